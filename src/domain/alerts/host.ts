/**
 * The host an alert is about, from its labels: the first of the configured
 * label names that is set (default host, hostname, instance). Prometheus
 * `instance` labels carry a port (`web01:9100`, `[2001:db8::1]:9100`),
 * which is not part of the host.
 */
export const DEFAULT_HOST_LABELS = ['host', 'hostname', 'instance'] as const;

export function hostFromLabels(labels: Record<string, string>, keys: readonly string[] = DEFAULT_HOST_LABELS): string | undefined {
  for (const k of keys) {
    const v = labels[k]?.trim();
    if (v) return stripPort(v);
  }
  return undefined;
}

export function stripPort(v: string): string {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(v);
  if (bracketed) return bracketed[1]!;
  // One colon: host:port. More than one: a bare IPv6 address, left alone.
  const colons = v.split(':').length - 1;
  if (colons === 1 && /:\d+$/.test(v)) return v.slice(0, v.lastIndexOf(':'));
  return v;
}
