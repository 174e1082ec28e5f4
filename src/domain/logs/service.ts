import { z } from 'zod';
import { bold, code, join, line, richText, tone } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Metrics } from '../../metrics.js';
import type { Sql } from '../../store/sql.js';
import { validate } from '../../validate.js';
import { SEVERITY_TONE } from '../alerts/format.js';
import { severityOf } from '../alerts/model.js';
import type { Subject } from '../routing/pattern.js';
import type { Routes } from '../routing/routes.js';

/** A log line from any source: the HTTP API, syslog, a tailed file. */
export interface LogInput {
  source: string;
  host: string | null;
  level: string;
  message: string;
  ts?: Date;
  /** A syslog line that did not parse: kept as it came. */
  malformed?: boolean;
}

/** What routes see of a log line. */
export function logSubject(l: LogInput): Subject {
  return { kind: 'log', source: l.source, severity: severityOf(l.level) ?? 'info', ...(l.host && { host: l.host }), labels: { level: l.level }, message: l.message };
}

/** `POST /api/v1/logs` items. */
const logLineSchema = z.strictObject({
  host: z.string().trim().min(1, { error: 'required: the host the line is from' }).max(255),
  level: z.string().refine((l) => severityOf(l) !== null, { error: 'expected a level such as error, warning, info or debug' }),
  message: z.string().min(1, { error: 'required' }).max(16_384, { error: 'longer than 16384 characters' }),
  ts: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected an RFC 3339 time' }).optional(),
  source: z.string().regex(/^[\w.-]{1,40}$/, { error: 'expected a short name (letters, digits, . _ -)' }).optional(),
});

export function parseLogLines(items: unknown[]): LogInput[] {
  return items.map((item, i) => {
    const l = validate(logLineSchema, item, String(i));
    return { source: l.source ?? 'api', host: l.host, level: l.level.toLowerCase(), message: l.message, ...(l.ts && { ts: new Date(l.ts) }) };
  });
}

/**
 * Log lines: every line is stored, then posted to the channels its route
 * names (or the tailed file's channels). Bursts are condensed by delivery.
 */
const INSERT = 'INSERT INTO log_lines (source, host, level, message, ts, received_at, malformed) VALUES (?, ?, ?, ?, ?, ?, ?)';

export class LogService {
  constructor(private readonly d: { db: Sql; clock: Clock; outbox: Outbox; routes: Routes; metrics: Metrics }) {}

  /**
   * Stores and routes lines in one transaction (a savepoint when the caller
   * has one open: a group commit); `to` overrides routing (a tailed file
   * names its channels) and `post` can keep a line from being posted (it is
   * stored all the same). `also` runs inside the same transaction (a tailer
   * saves its file offset there). Returns the new rows' ids.
   */
  ingest(lines: LogInput[], opts: IngestOptions = {}): Promise<number[]> {
    return this.d.db.tx(() => this.store(lines, opts));
  }

  private async store(lines: LogInput[], opts: IngestOptions): Promise<number[]> {
    const { db, clock, outbox, routes, metrics } = this.d;
    const now = clock.now().toISOString();
    const ids: number[] = [];
    // One line after the other: the rows' ids and the outbox keep the lines' order.
    for (const l of lines) {
      const id = await db.insert(INSERT, [l.source, l.host, l.level, l.message, l.ts?.toISOString() ?? null, now, l.malformed ? 1 : 0]);
      metrics.logLines.inc({ source: l.source });
      const severity = severityOf(l.level) ?? 'info';
      const channels = opts.post && !opts.post(l) ? [] : (opts.to ?? routes.route(logSubject(l)).channels);
      const body = richText(
        line(...join([l.host && code(l.host), tone(SEVERITY_TONE[severity], bold(l.level.toUpperCase())), l.malformed ? tone('muted', '(unparsed)') : '', l.message])),
      );
      for (const channel of channels) {
        await outbox.enqueue({ channel, body, digest: { kind: 'log', host: l.host ?? l.source, level: l.level } });
        metrics.routed.inc({ channel });
      }
      ids.push(id);
    }
    await opts.also?.();
    return ids;
  }
}

interface IngestOptions {
  to?: readonly string[];
  post?: (l: LogInput) => boolean;
  /** More writes for the same transaction; awaits nothing but the store. */
  also?: () => Promise<void> | void;
}
