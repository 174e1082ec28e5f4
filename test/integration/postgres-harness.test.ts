import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBinDir, startPostgres, type Postgres } from '../helpers/postgres.js';

/** The redundant store's tests stand on this cluster: it must behave like a real deployment's. */
describe('PostgreSQL test cluster', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  /** psql over TCP as a client would connect, with the given password. */
  const asClient = (url: string, password: string, sql: string): string =>
    execFileSync(`${postgresBinDir()}/psql`, ['-X', '-t', '-A', '-w', '-d', url.replace(/:[^:@/]*@/, '@'), '-c', sql], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();

  it('logs the bot role in over TCP with its password and refuses a wrong one', async () => {
    const url = await pg.createDatabase();
    expect(asClient(url, pg.password, 'SELECT current_user')).toBe(pg.user);
    expect(() => asClient(url, 'wrong', 'SELECT 1')).toThrow(/password authentication failed/);
  });

  it('keeps committed rows across a crash and a restart on the same port', async () => {
    const url = await pg.createDatabase();
    asClient(url, pg.password, 'CREATE TABLE t (v int); INSERT INTO t VALUES (42)');
    await pg.crash();
    expect(() => asClient(url, pg.password, 'SELECT 1')).toThrow();
    await pg.restart();
    expect(asClient(url, pg.password, 'SELECT v FROM t')).toBe('42');
  });
});
