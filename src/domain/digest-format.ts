import type { Tone } from '../chat/rich-text.js';
import { SEVERITY_TONE } from './alerts/format.js';
import { severityRank, type Severity } from './alerts/model.js';
import { hostRange } from './servers/host-range.js';

/**
 * What delivery's storm digests need to know of the domain (delivery's
 * `DigestFormat`): the facts alerts and log lines leave on their outbox rows
 * name a severity and hosts, and only the domain knows what those mean.
 */
export const digestFormat = {
  // A row written by a newer or older bot may name a severity this one does not know.
  severityTone: (severity: string): Tone => SEVERITY_TONE[severity as Severity] ?? 'info',
  severityRank,
  hostRange,
};
