import { join } from 'node:path';
import { startPostgres, type Postgres } from '../test/helpers/postgres.js';

/**
 * Where a bench keeps its store: an SQLite file in its temp dir (the
 * default), or, with `--db postgres`, a fresh database on a real PostgreSQL
 * started for the run (initdb in a temp dir, as the tests do).
 */
let engine: 'sqlite' | 'postgres' = 'sqlite';
let cluster: Promise<Postgres> | null = null;

export function setBenchEngine(e: 'sqlite' | 'postgres'): void {
  engine = e;
}

export function benchEngine(): 'sqlite' | 'postgres' {
  return engine;
}

/** A fresh store location: `dir/name.db`, or a new database's postgres:// URL. */
export async function benchDatabase(dir: string, name: string): Promise<string> {
  if (engine === 'sqlite') return join(dir, `${name}.db`);
  cluster ??= startPostgres();
  return (await cluster).createDatabase();
}

/** The PostgreSQL cluster of this run (started on first use). */
export function benchPostgres(): Promise<Postgres> {
  cluster ??= startPostgres();
  return cluster;
}

export async function stopBenchStores(): Promise<void> {
  if (cluster) await (await cluster).stop();
}
