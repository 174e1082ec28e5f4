/**
 * The one store interface every module queries through, with an SQLite and a
 * PostgreSQL implementation (sqlite.ts, postgres.ts).
 *
 * SQL is written once, in the SQLite spelling the code always used: `?` or
 * `@name` parameters, `GLOB`, `COLLATE NOCASE`, `ON CONFLICT`, `RETURNING`.
 * The PostgreSQL side translates parameters and `GLOB` in one place
 * (pg-translate.ts) and its migrations define the `nocase` collation and the
 * glob functions, so a module owns one copy of each query. Where the engines
 * really differ (full-text search), the module branches on `engine` for that
 * one query.
 */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export type Engine = 'sqlite' | 'postgres';

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Sql {
  readonly engine: Engine;
  /** Where the data is, for messages: a file path, or host:port/database (never a password). */
  readonly name: string;
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T | undefined>;
  /** The first column of the first row (a COUNT, one id). */
  value<T = unknown>(sql: string, params?: Params): Promise<T | undefined>;
  /** The first column of every row. */
  column<T = unknown>(sql: string, params?: Params): Promise<T[]>;
  run(sql: string, params?: Params): Promise<RunResult>;
  /** Runs an INSERT into a table with an `id` key and returns the new row's id. */
  insert(sql: string, params?: Params): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `work` in a transaction that commits when it resolves and rolls back
   * when it throws. Inside, every call on this store joins the transaction; a
   * nested `tx` is a savepoint. Await nothing but this store inside: the
   * transaction holds the SQLite writer (or a PostgreSQL connection) until
   * it ends.
   *
   * `readOnly`: one consistent snapshot for several reads (a page, a host
   * view) without taking the write lock: a deferred transaction on SQLite,
   * REPEATABLE READ READ ONLY on PostgreSQL. Nested in another tx, it joins it.
   */
  tx<T>(work: () => Promise<T>, opts?: { readOnly?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/**
 * The store cannot be reached (PostgreSQL down, connection lost). Ingest
 * answers 503 with Retry-After to this, and delivery waits: nothing was
 * committed, and nothing is lost by trying again.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
