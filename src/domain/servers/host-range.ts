/**
 * `web01…web30` for hosts of one naming pattern, `web01, web02` for two,
 * `web01` for one, `12 hosts` when the names have nothing in common
 * (`db1…web30` would suggest hosts that are not there).
 */
export function hostRange(hosts: string[]): string {
  if (hosts.length === 0) return '';
  const s = [...hosts].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (s.length === 1) return s[0]!;
  if (s.length === 2) return `${s[0]}, ${s[1]}`;
  const stem = (h: string) => h.replace(/\d.*$/s, '');
  return stem(s[0]!) === stem(s[s.length - 1]!) && stem(s[0]!) !== '' ? `${s[0]}…${s[s.length - 1]}` : `${s.length} hosts`;
}
