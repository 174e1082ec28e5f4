import type { Clock } from '../../clock.js';
import { InputError } from '../../errors.js';
import type { Sql } from '../../store/sql.js';
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

const INSERT = 'INSERT INTO silences (matchers, starts_at, ends_at, created_by, reason) VALUES (?, ?, ?, ?, ?)';
const ACTIVE = 'SELECT * FROM silences WHERE removed_at IS NULL AND starts_at <= ? AND ends_at > ? ORDER BY id';
const BY_ID = 'SELECT * FROM silences WHERE id = ?';
const REMOVE = 'UPDATE silences SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL';

export class SilenceStore {
  /** Active silences, re-read when one is added or removed or one ends. */
  private cache: { silences: Silence[]; until: number } | undefined;
  /** Bumped when the cache is dropped: a read that was under way then must not refill it. */
  private generation = 0;

  constructor(private readonly db: Sql, private readonly clock: Clock) {}

  async add(matchers: Matcher[], durationMs: number, actor: string, reason: string | null): Promise<Silence> {
    const now = this.clock.now();
    const ends = new Date(now.getTime() + durationMs);
    const id = await this.db.insert(INSERT, [JSON.stringify(matchers), now.toISOString(), ends.toISOString(), actor, reason]);
    this.forget();
    return (await this.get(id))!;
  }

  async get(id: number): Promise<Silence | null> {
    const r = await this.db.get<Row>(BY_ID, [id]);
    return r ? decode(r) : null;
  }

  /** Ends a silence now; false when it was already removed or unknown. */
  async remove(id: number, actor: string): Promise<boolean> {
    const { changes } = await this.db.run(REMOVE, [this.clock.now().toISOString(), actor, id]);
    this.forget();
    return changes > 0;
  }

  private forget(): void {
    this.cache = undefined;
    this.generation++;
  }

  async active(): Promise<Silence[]> {
    const now = this.clock.now();
    if (this.cache && now.getTime() < this.cache.until) return this.cache.silences;
    const iso = now.toISOString();
    const generation = this.generation;
    const silences = (await this.db.all<Row>(ACTIVE, [iso, iso])).map(decode);
    const until = Math.min(now.getTime() + 10_000, ...silences.map((s) => Date.parse(s.ends_at)));
    if (generation === this.generation) this.cache = { silences, until };
    return silences;
  }

  /** The first active silence that covers the subject. */
  async find(s: Subject): Promise<Silence | undefined> {
    return (await this.active()).find((sil) => matches(sil.matchers, s));
  }
}

function decode(r: Row): Silence {
  return { ...r, matchers: JSON.parse(r.matchers) as Matcher[] };
}
