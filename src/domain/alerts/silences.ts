import type { Clock } from '../../clock.js';
import { InputError } from '../../errors.js';
import type { DB } from '../../store/database.js';
import { compilePattern, patternError, subjectValue, type Subject } from '../routing/pattern.js';

/**
 * Silences: "keep these alerts, but do not post them" for a while, as in
 * Alertmanager. A matcher is `key=glob`, `key!=glob` or `key=~regex` over
 * host, alertname, severity, source or any label; all must match.
 */
export interface Matcher {
  key: string;
  op: '=' | '!=' | '=~';
  pattern: string;
}

export interface Silence {
  id: number;
  matchers: Matcher[];
  starts_at: string;
  ends_at: string;
  created_by: string;
  reason: string | null;
  removed_at: string | null;
  removed_by: string | null;
}

type Row = Omit<Silence, 'matchers'> & { matchers: string };

/** `host=web0*` → a matcher, or null when the word is not one. */
export function parseMatcher(word: string): Matcher | null {
  const m = /^([A-Za-z_][A-Za-z0-9_.-]*)(=~|!=|=)(.+)$/.exec(word);
  if (!m) return null;
  const [, rawKey, op, pattern] = m;
  // The fixed keys ignore case (Host=web01); label names are as the source wrote them.
  const key = FIXED_KEYS.includes(rawKey!.toLowerCase()) ? rawKey!.toLowerCase() : rawKey!;
  const err = patternError(op === '=~' ? `/${pattern}/` : pattern!);
  if (err) throw new InputError(err, key);
  return { key, op: op as Matcher['op'], pattern: pattern! };
}

const FIXED_KEYS = ['host', 'alertname', 'name', 'severity', 'source'];

/** Matchers as typed: `host=web0* alertname=DiskFull`. */
export function describeMatchers(ms: Matcher[]): string {
  return ms.map((m) => `${m.key}${m.op}${m.pattern}`).join(' ');
}

function matches(ms: Matcher[], s: Subject): boolean {
  return ms.every((m) => {
    const v = subjectValue(s, m.key) ?? '';
    // `=~` is anchored, as in Alertmanager: instance=~web0 does not silence myweb01.
    const hit = compilePattern(m.op === '=~' ? `/^(?:${m.pattern})$/` : m.pattern)(v);
    return m.op === '!=' ? !hit : hit;
  });
}

export class SilenceStore {
  private readonly q;
  /** Active silences, re-read when one is added or removed or one ends. */
  private cache: { silences: Silence[]; until: number } | undefined;

  constructor(db: DB, private readonly clock: Clock) {
    this.q = {
      insert: db.prepare('INSERT INTO silences (matchers, starts_at, ends_at, created_by, reason) VALUES (?, ?, ?, ?, ?)'),
      active: db.prepare('SELECT * FROM silences WHERE removed_at IS NULL AND starts_at <= ? AND ends_at > ? ORDER BY id'),
      byId: db.prepare('SELECT * FROM silences WHERE id = ?'),
      remove: db.prepare('UPDATE silences SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL'),
    };
  }

  add(matchers: Matcher[], durationMs: number, actor: string, reason: string | null): Silence {
    const now = this.clock.now();
    const ends = new Date(now.getTime() + durationMs);
    const id = Number(this.q.insert.run(JSON.stringify(matchers), now.toISOString(), ends.toISOString(), actor, reason).lastInsertRowid);
    this.cache = undefined;
    return this.get(id)!;
  }

  get(id: number): Silence | null {
    const r = this.q.byId.get(id) as Row | undefined;
    return r ? decode(r) : null;
  }

  /** Ends a silence now; false when it was already removed or unknown. */
  remove(id: number, actor: string): boolean {
    this.cache = undefined;
    return this.q.remove.run(this.clock.now().toISOString(), actor, id).changes > 0;
  }

  active(): Silence[] {
    const now = this.clock.now();
    if (this.cache && now.getTime() < this.cache.until) return this.cache.silences;
    const iso = now.toISOString();
    const silences = (this.q.active.all(iso, iso) as Row[]).map(decode);
    const until = Math.min(now.getTime() + 10_000, ...silences.map((s) => Date.parse(s.ends_at)));
    this.cache = { silences, until };
    return silences;
  }

  /** The first active silence that covers the subject. */
  find(s: Subject): Silence | undefined {
    return this.active().find((sil) => matches(sil.matchers, s));
  }
}

function decode(r: Row): Silence {
  return { ...r, matchers: JSON.parse(r.matchers) as Matcher[] };
}
