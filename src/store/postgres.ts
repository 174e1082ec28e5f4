import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { translate, values } from './pg-translate.js';
import { StoreUnavailableError, type Params, type RunResult, type Sql } from './sql.js';

/** The connection that an open transaction runs on, and how deep its savepoints go. */
interface Frame {
  client: pg.PoolClient;
  depth: number;
  /**
   * False once the transaction has ended. Work started inside it (a timer,
   * a listener) keeps its async context afterwards, and must not run on a
   * connection that is back in the pool, maybe in another transaction.
   */
  open: boolean;
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Counts and ids come back as numbers, as SQLite gives them: opsbridge's
 * ids and counts stay far below 2^53. Everything else is pg's default.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  /** Connections in the pool. */
  max?: number;
  /** Called with a one-line reason when the pool loses a connection it was not using. */
  onError?: (message: string) => void;
}

/**
 * The PostgreSQL store: a `pg` pool behind the async interface. A
 * transaction keeps its connection in async-local storage, so every call
 * made inside it, however deep, runs on that connection.
 */
export class PostgresSql implements Sql {
  readonly engine = 'postgres' as const;
  readonly name: string;
  private readonly pool: pg.Pool;
  private readonly context = new AsyncLocalStorage<Frame>();

  constructor(readonly url: string, opts: PostgresOptions = {}) {
    this.name = describeUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      types,
      connectionTimeoutMillis: 5000,
      // A dead server must not hang a query for the kernel's TCP timeout.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      application_name: 'opsbridge',
    });
    // An idle connection dropped by the server must not crash the process;
    // the next query opens a fresh one.
    this.pool.on('error', (err) => opts.onError?.(redact(err.message, url)));
  }

  async all<T>(sql: string, params?: Params): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async value<T>(sql: string, params?: Params): Promise<T | undefined> {
    const r = await this.query(sql, params, 'array');
    return (r.rows[0] as unknown[] | undefined)?.[0] as T | undefined;
  }

  async column<T>(sql: string, params?: Params): Promise<T[]> {
    const r = await this.query(sql, params, 'array');
    return (r.rows as unknown[][]).map((row) => row[0] as T);
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  async insert(sql: string, params?: Params): Promise<number> {
    const r = await this.query(`${sql} RETURNING id`, params, 'array');
    return Number((r.rows[0] as unknown[])[0]);
  }

  async exec(script: string): Promise<void> {
    const frame = this.openFrame();
    try {
      await (frame ? frame.client.query(script) : this.pool.query(script));
    } catch (err) {
      throw this.classify(err);
    }
  }

  async tx<T>(work: () => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
    const current = this.openFrame();
    if (current) return this.savepoint(current, work);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.classify(err);
    }
    let broken: unknown = null;
    const frame: Frame = { client, depth: 0, open: true };
    // A checked-out client that loses its connection emits 'error'; with no
    // listener that would crash the process. The pending query fails anyway.
    const onLost = (err: Error) => (broken = err);
    client.on('error', onLost);
    try {
      await client.query(opts.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const value = await this.context.run(frame, work);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr;
      }
      throw this.classify(err);
    } finally {
      frame.open = false;
      client.off('error', onLost);
      // A connection that failed mid-transaction is thrown away, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `work` on one connection outside any transaction (LISTEN, session settings). */
  async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private openFrame(): Frame | undefined {
    const frame = this.context.getStore();
    return frame?.open ? frame : undefined;
  }

  private async savepoint<T>(frame: Frame, work: () => Promise<T>): Promise<T> {
    const name = `sp${++frame.depth}`;
    await frame.client.query(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      await frame.client.query(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (err) {
      await frame.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await frame.client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    } finally {
      frame.depth--;
    }
  }

  private async query(sql: string, params: Params | undefined, rowMode?: 'array'): Promise<pg.QueryResult> {
    const t = translate(sql);
    const config: pg.QueryConfig & { rowMode?: 'array' } = { name: rowMode ? `${t.statement}a` : t.statement, text: t.text, values: values(t, params) };
    if (rowMode) config.rowMode = rowMode;
    const frame = this.openFrame();
    try {
      return await (frame ? frame.client.query(config) : this.pool.query(config));
    } catch (err) {
      throw this.classify(err);
    }
  }

  /** A lost or refused connection becomes StoreUnavailableError; an SQL error stays what it is. */
  private classify(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) return err;
    if (isConnectionError(err)) {
      return new StoreUnavailableError(`database ${this.name} is unavailable: ${redact((err as Error).message, this.url)}`, { cause: err });
    }
    return err;
  }
}

/**
 * Connection lost, refused or timed out, or the server shutting down or not
 * yet accepting: the kind of failure that passes when the database is back.
 */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08')) return true; // connection exception
    if (['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN'].includes(code)) return true;
  }
  return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable/i.test(err.message);
}

/** `postgres://user:secret@db1:5432/opsbridge` → `db1:5432/opsbridge`: for messages, never the password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default database)';
    return `${u.hostname || 'localhost'}${u.port ? ':' + u.port : ''}/${db}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Removes the URL's password from a driver message, in case one ever carries it. */
function redact(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    /* an unparsable URL was refused before a pool was made */
  }
  return password ? message.split(password).join('***') : message;
}
