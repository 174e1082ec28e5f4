import type { Sql } from '../store/sql.js';
import { LeaseStore } from './lease.js';
import type { Leadership, LeadershipStatus } from './leadership.js';

export interface ClusterStatus {
  /** This node, as the running bot sees itself (null in a one-shot command such as `opsbridge status`). */
  self: LeadershipStatus | null;
  /** The lease as the store has it: who leads, since when, under which epoch; null before anyone took it. */
  leader: { node: string; epoch: number; since: string; live: boolean; expiresInMs: number; previous: string | null } | null;
  /** Times this node took the lead from another one since it started. */
  takeovers: number;
}

/** Who leads the pair: what /healthz, `opsbridge status` and `!status` show. */
export class Cluster {
  readonly lease: LeaseStore;
  private local: Leadership | null = null;

  constructor(private readonly db: Sql, readonly node: string) {
    this.lease = new LeaseStore(db, node);
  }

  /** The running bot's election, once it has one. */
  attach(leadership: Leadership): void {
    this.local = leadership;
  }

  get engine(): Sql['engine'] {
    return this.db.engine;
  }

  async status(): Promise<ClusterStatus> {
    const s = await this.lease.status();
    const now = Date.now();
    return {
      self: this.local?.status() ?? null,
      leader: s && {
        node: s.holder,
        epoch: s.epoch,
        since: new Date(s.acquiredAtMs).toISOString(),
        live: s.live,
        expiresInMs: Math.max(0, s.expiresAtMs - now),
        previous: s.previousHolder,
      },
      takeovers: this.local?.takeovers ?? 0,
    };
  }
}
