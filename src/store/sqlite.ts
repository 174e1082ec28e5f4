import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { openDatabase } from './database.js';
import { globRegExp } from './glob.js';
import type { Params, RunResult, Sql } from './sql.js';

/** One open transaction: who holds the connection, and how deep its savepoints go. */
interface Frame {
  depth: number;
}

/** Statements prepared per SQL text: a dynamic filter has a few shapes, not thousands. */
const MAX_STATEMENTS = 500;

/**
 * The SQLite store: better-sqlite3 behind the async interface. Every call
 * still runs synchronously when it can (a resolved promise costs a
 * microtask, not a thread hop), so the single-node path stays as fast as it
 * was. The one connection is shared, so while a transaction is open, calls
 * from anywhere else wait for it to end instead of joining it by accident.
 */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly context = new AsyncLocalStorage<Frame>();
  /** The open transaction, if any. */
  private owner: Frame | null = null;
  /** Calls waiting for the open transaction to end, in arrival order. */
  private waiting: Array<() => void> = [];

  constructor(readonly raw: Database.Database, readonly name: string) {
    registerFunctions(raw);
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.call(() => bind(this.statement(sql), params, 'all') as T[]);
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.call(() => bind(this.statement(sql), params, 'get') as T | undefined);
  }

  value<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.call(() => bind(this.statement(sql, 'pluck'), params, 'get') as T | undefined);
  }

  column<T>(sql: string, params?: Params): Promise<T[]> {
    return this.call(() => bind(this.statement(sql, 'pluck'), params, 'all') as T[]);
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.call(() => ({ changes: (bind(this.statement(sql), params, 'run') as Database.RunResult).changes }));
  }

  insert(sql: string, params?: Params): Promise<number> {
    return this.call(() => Number((bind(this.statement(sql), params, 'run') as Database.RunResult).lastInsertRowid));
  }

  exec(script: string): Promise<void> {
    return this.call(() => void this.raw.exec(script));
  }

  async tx<T>(work: () => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
    const current = this.context.getStore();
    if (current !== undefined && current === this.owner) return this.savepoint(current, work);
    while (this.owner !== null) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const frame: Frame = { depth: 0 };
    this.owner = frame;
    try {
      // IMMEDIATE takes the write lock now, so another process (a git hook,
      // `opsbridge db`) waits on busy_timeout instead of failing mid-way. A
      // read-only one takes no lock: WAL gives it a snapshot of its own.
      this.raw.exec(opts.readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
      let value: T;
      try {
        value = await this.context.run(frame, work);
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
      this.raw.exec('COMMIT');
      return value;
    } finally {
      this.owner = null;
      this.wakeWaiting();
    }
  }

  close(): Promise<void> {
    this.raw.close();
    return Promise.resolve();
  }

  private async savepoint<T>(frame: Frame, work: () => Promise<T>): Promise<T> {
    const name = `sp${++frame.depth}`;
    this.raw.exec(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      this.raw.exec(`RELEASE ${name}`);
      return value;
    } catch (err) {
      this.raw.exec(`ROLLBACK TO ${name}`);
      this.raw.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      frame.depth--;
    }
  }

  /** Runs `op` now unless another caller's transaction is open; then after it. */
  private call<T>(op: () => T): Promise<T> {
    if (this.owner !== null && this.context.getStore() !== this.owner) {
      return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.call(op));
    }
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private wakeWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  private statement(sql: string, mode?: 'pluck'): Database.Statement {
    const key = mode === 'pluck' ? `\u0000${sql}` : sql;
    let stmt = this.statements.get(key);
    if (!stmt) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      stmt = this.raw.prepare(sql);
      if (mode === 'pluck') stmt.pluck();
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}

function bind(stmt: Database.Statement, params: Params | undefined, method: 'all' | 'get' | 'run'): unknown {
  return params === undefined ? stmt[method]() : stmt[method](params as unknown[]);
}

/**
 * Functions the SQL of both engines may call; PostgreSQL gets the same ones
 * from its migrations (migrations/postgres/0001_init.sql).
 */
function registerFunctions(db: Database.Database): void {
  // `token_glob(list, pattern)`: does any word of a space-separated list
  // match the glob? SQL's GLOB alone would let `*` run across words.
  const compiled = new Map<string, RegExp>();
  db.function('token_glob', { deterministic: true }, (list: unknown, pattern: unknown) => {
    if (typeof list !== 'string' || typeof pattern !== 'string') return 0;
    let re = compiled.get(pattern);
    if (!re) {
      if (compiled.size > 100) compiled.clear();
      re = globRegExp(pattern);
      compiled.set(pattern, re);
    }
    return list.split(' ').some((w) => re.test(w)) ? 1 : 0;
  });
}

/** Opens (creating if need be) the SQLite file behind the store. */
export function openSqlite(path: string, opts: { readonly?: boolean } = {}): SqliteSql {
  return new SqliteSql(openDatabase(path, opts), path);
}
