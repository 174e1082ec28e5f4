import { createHash } from 'node:crypto';

/**
 * An alert's identity when the source gives none: the hash of its labels,
 * sorted, so the same labels always name the same alert (as Alertmanager's
 * own fingerprints do).
 */
export function labelsFingerprint(source: string, labels: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(source);
  for (const k of Object.keys(labels).sort()) h.update(`\0${k}\0${labels[k]}`);
  return h.digest('hex').slice(0, 16);
}
