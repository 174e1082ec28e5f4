import type { Clock } from '../clock.js';
import type { DB } from '../store/database.js';
import type { TailOffsets, TailPosition } from './tail.js';

/** Tailed files' positions in SQLite, saved in the transaction that stores the lines read. */
export class SqliteTailOffsets implements TailOffsets {
  private readonly q;

  constructor(db: DB, private readonly clock: Clock) {
    this.q = {
      get: db.prepare('SELECT inode, offset FROM tail_offsets WHERE path = ?'),
      set: db.prepare(`INSERT INTO tail_offsets (path, inode, offset, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, offset = excluded.offset, updated_at = excluded.updated_at`),
    };
  }

  get(path: string): TailPosition | undefined {
    return this.q.get.get(path) as TailPosition | undefined;
  }

  set(path: string, p: TailPosition): void {
    this.q.set.run(path, p.inode, p.offset, this.clock.now().toISOString());
  }
}
