import type { Clock } from '../clock.js';
import type { Sql } from '../store/sql.js';
import type { TailOffsets, TailPosition } from './tail.js';

// `offset` is a reserved word in PostgreSQL: quoted, it names the column on both engines.
// This node's row first; a row from before nodes had names (node '') is adopted.
const GET = `SELECT inode, "offset" FROM tail_offsets WHERE path = ? AND node IN (?, '')
  ORDER BY CASE WHEN node = '' THEN 1 ELSE 0 END LIMIT 1`;
const SET = `INSERT INTO tail_offsets (node, path, inode, "offset", updated_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (node, path) DO UPDATE SET inode = excluded.inode, "offset" = excluded."offset", updated_at = excluded.updated_at`;
/** Once this node has saved its own position, the adopted row is gone: another node reading the path starts afresh. */
const DROP_ADOPTED = `DELETE FROM tail_offsets WHERE node = '' AND path = ?`;

/**
 * Tailed files' positions in the store, saved in the transaction that
 * stores the lines read. Each node of a redundant pair follows its own
 * files, so each keeps its own positions.
 */
export class StoreTailOffsets implements TailOffsets {
  constructor(private readonly db: Sql, private readonly clock: Clock, private readonly node = '') {}

  async get(path: string): Promise<TailPosition | undefined> {
    return this.db.get<TailPosition>(GET, [path, this.node]);
  }

  /** Call inside the transaction that stores the lines. */
  async set(path: string, p: TailPosition): Promise<void> {
    await this.db.run(SET, [this.node, path, p.inode, p.offset, this.clock.now().toISOString()]);
    if (this.node !== '') await this.db.run(DROP_ADOPTED, [path]);
  }
}
