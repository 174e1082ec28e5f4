import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LeaseLostError, type Held, type LeaseStore } from './lease.js';

export interface LeadershipTimings {
  /** How long a lease lasts without renewal: how long a dead leader can hold up a failover. */
  leaseMs: number;
  /** How often the holder renews, and a standby tries to take it. */
  renewMs: number;
  /**
   * The leader sends nothing once this long has passed since its last
   * successful renewal, on its own monotonic clock: well before the lease
   * can expire and another node take over.
   */
  stopSendingMs: number;
}

export const DEFAULT_TIMINGS: LeadershipTimings = { leaseMs: 6_000, renewMs: 1_000, stopSendingMs: 4_000 };

export interface LeadershipStatus {
  node: string;
  role: 'leader' | 'standby';
  epoch: number | null;
  /** When this node became leader (ISO), null on a standby. */
  since: string | null;
  /** Whether the leader may send now (its lease renewed recently enough). */
  sending: boolean;
}

/** What the leader's delivery checks before it sends and marks: the fencing token and the deadline. */
export interface Fence {
  readonly epoch: number;
  /** True while sending is safe: this node leads and renewed its lease recently enough. */
  canSend(): boolean;
  /** Inside a transaction: throws LeaseLostError unless the lease is still ours under this epoch. */
  check(): Promise<void>;
}

export interface LeadershipOptions {
  node: string;
  lease: LeaseStore;
  timings?: LeadershipTimings;
  log: Logger;
  /** This node became the leader: connect to chat, deliver, run the jobs. */
  onElected(held: Held, fence: Fence): Promise<void>;
  /** This node lost the lead (or is stopping): drop the chat connections without sending another line. */
  onDeposed(reason: string): Promise<void>;
  /** For tests: a monotonic clock in ms. */
  monotonic?: () => number;
}

/**
 * Runs the election: a standby tries to take the lease every renewMs; the
 * leader renews it. Losing it (another node holds it under a newer epoch)
 * demotes this node. The database being unreachable does not: the leader
 * keeps its connections but, past stopSendingMs, sends nothing, and either
 * renews when the database returns or finds its epoch stale and steps down.
 */
export class Leadership {
  private readonly timings: LeadershipTimings;
  private readonly mono: () => number;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private epoch: number | null = null;
  private since: Date | null = null;
  /** Monotonic time the last successful take or renewal was sent. */
  private renewedAt = -Infinity;
  private stopped = false;
  /**
   * Starting and stopping the chat connections, one after the other. Not
   * awaited by the renewal loop: an IRC connect that takes seconds must not
   * delay the renewal that keeps the lease.
   */
  private transitions: Promise<void> = Promise.resolve();
  /** Times this node took the lead from another one. */
  takeovers = 0;

  constructor(private readonly opts: LeadershipOptions) {
    this.timings = opts.timings ?? DEFAULT_TIMINGS;
    this.mono = opts.monotonic ?? (() => performance.now());
  }

  /** Tries once now (a node alone, or the first up, leads at once), then every renewMs. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  canSend(): boolean {
    return this.epoch !== null && this.mono() - this.renewedAt < this.timings.stopSendingMs;
  }

  status(): LeadershipStatus {
    return {
      node: this.opts.node,
      role: this.epoch !== null ? 'leader' : 'standby',
      epoch: this.epoch,
      since: this.since?.toISOString() ?? null,
      sending: this.canSend(),
    };
  }

  /** Steps down (releasing the lease, so a standby takes over in one renew interval) and stops trying. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const epoch = this.epoch;
    if (epoch === null) return;
    await this.depose('stopping');
    await this.opts.lease.release(epoch).catch((err) => this.opts.log.warn({ err }, 'could not release the leader lease; it expires on its own'));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        this.schedule();
      });
    }, this.timings.renewMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const sentAt = this.mono();
    try {
      if (this.epoch !== null) {
        if (await this.opts.lease.renew(this.epoch, this.timings.leaseMs)) this.renewedAt = sentAt;
        else await this.depose(`another node holds the lease (ours was epoch ${this.epoch})`);
        return;
      }
      const held = await this.opts.lease.acquire(this.timings.leaseMs);
      if (!held || this.stopped) return;
      this.renewedAt = sentAt;
      this.epoch = held.epoch;
      this.since = new Date();
      if (held.previousHolder) this.takeovers++;
      this.opts.log.info({ epoch: held.epoch, previous: held.previousHolder }, 'took the leader lease');
      const fence = this.fence(held.epoch);
      this.transition(() => this.opts.onElected(held, fence));
    } catch (err) {
      // The database is unreachable: a leader keeps its connections and,
      // past stopSendingMs, sends nothing; a standby tries again later.
      this.opts.log.warn({ err: (err as Error).message, role: this.epoch !== null ? 'leader' : 'standby' }, 'leader lease check failed');
    }
  }

  private fence(epoch: number): Fence {
    return {
      epoch,
      canSend: () => this.epoch === epoch && this.canSend(),
      check: async () => {
        if (this.epoch !== epoch) throw new LeaseLostError(epoch);
        await this.opts.lease.check(epoch);
      },
    };
  }

  private async depose(reason: string): Promise<void> {
    if (this.epoch === null) return;
    // A planned stop is routine; losing the lease is worth a warning.
    (reason === 'stopping' ? this.opts.log.info.bind(this.opts.log) : this.opts.log.warn.bind(this.opts.log))({ epoch: this.epoch, reason }, 'no longer the leader');
    this.epoch = null;
    this.since = null;
    this.renewedAt = -Infinity;
    this.transition(() => this.opts.onDeposed(reason));
    await this.transitions;
  }

  private transition(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((err) => this.opts.log.error({ err }, 'leadership change failed'));
  }

  /** Resolves once the chat connections have caught up with the current role (tests, stop). */
  settled(): Promise<void> {
    return this.transitions;
  }
}
