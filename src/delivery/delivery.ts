import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import { PermanentDeliveryError, type ChatAdapter } from '../adapters/adapter.js';
import type { Clock } from '../clock.js';
import { planDigests, type DigestFormat } from './digest.js';
import type { Outbox, OutboxFence } from './outbox.js';

export interface DeliveryDeps {
  outbox: Outbox;
  /** The adapter that serves a channel address, or undefined when none does (yet). */
  adapterFor(channel: string): ChatAdapter | undefined;
  clock: Clock;
  log: Logger;
  /** How often to look for rows written by other processes (`opsbridge run`, hooks). */
  pollMs?: number;
  /**
   * A channel whose pending alerts and log lines would take longer than
   * `afterMs` to send at its rate gets them condensed into digests (0: never).
   */
  digest?: { afterMs: number; format: DigestFormat };
  /** Called with the number of rows a digest replaced. */
  onCondensed?(channel: string, rows: number): void;
  onDelivered?(channel: string): void;
  /**
   * A redundant pair's leader: every claim and mark is fenced by its epoch,
   * and nothing goes to an adapter unless `canSend()` (its lease was renewed
   * recently enough). Without one (a node alone in tests), rows are sent
   * and marked unfenced.
   */
  fence?: OutboxFence & { canSend(): boolean };
  /** Called for a row a lost leader had claimed and not marked: sent again, maybe a duplicate. */
  onResent?(channel: string): void;
  /**
   * Whether this process's enqueues wake delivery (default true). Off on
   * PostgreSQL, where a NOTIFY after each commit wakes it for every node's
   * rows (`wake`): a wake-up at enqueue would come before the commit.
   */
  wakeOnEnqueue?: boolean;
}

/** What a fenced check throws once the lease is gone (leadership/lease.ts); matched by name to keep this layer free of it. */
const isLeaseLost = (err: unknown) => err instanceof Error && err.name === 'LeaseLostError';

const BATCH = 50;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * Moves outbox rows to adapters: in order within a channel, one channel
 * never waiting on another, a row marked delivered only after the adapter
 * confirms. A failing channel backs off and keeps its rows.
 */
export class Delivery {
  private readonly busy = new Set<string>();
  private readonly retryAt = new Map<string, { at: number; delay: number }>();
  private readonly warnedNoAdapter = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  /** Channels woken since the last turn of the event loop: served together after it. */
  private woken = new Set<string>();
  /** Channels that got a row while being delivered: one more look once the loop ends. */
  private readonly dirty = new Set<string>();
  /** Per channel: the backlog size at which planning digests last found nothing to condense. */
  private readonly uncondensable = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  /** The look at the outbox under way, and whether another was asked for meanwhile. */
  private scan: Promise<void> | undefined;
  private rescan = false;

  constructor(private readonly deps: DeliveryDeps) {}

  start(): void {
    this.running = true;
    // Bound to this context: an enqueue fires the listener inside the
    // writer's transaction, and the wake-up must not inherit it.
    if (this.deps.wakeOnEnqueue !== false) this.unsubscribe = this.deps.outbox.onEnqueue(AsyncResource.bind((channel: string) => this.wake(channel)));
    this.timer = setInterval(() => void this.kick(), this.deps.pollMs ?? 500);
    this.timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.scan;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A row was written for `channel`. A batch of alerts enqueues thousands of
   * rows in one transaction: the channels are served once, after it. Waking
   * names the channel, so a storm costs no read of the outbox per row: a
   * channel being delivered just looks once more when its loop ends, and one
   * whose chat is down or backing off waits for the poll.
   */
  wake(channel: string): void {
    if (!this.running) return;
    if (this.woken.size === 0) {
      setImmediate(() => {
        const channels = this.woken;
        this.woken = new Set();
        for (const c of channels) this.serve(c);
      });
    }
    this.woken.add(channel);
  }

  /**
   * Starts delivery for every channel with pending rows that is not already
   * being served. Never rejects. Kicks while a look is under way (a poll, a
   * burst of enqueues, a slow store) share one more look after it, rather
   * than piling up reads of the outbox.
   */
  kick(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.scan) {
      this.rescan = true;
      return this.scan;
    }
    const scan = this.startChannels().finally(() => {
      this.scan = undefined;
      if (this.rescan) {
        this.rescan = false;
        void this.kick(); // never rejects
      }
    });
    this.scan = scan;
    return scan;
  }

  private async startChannels(): Promise<void> {
    let channels: string[];
    try {
      channels = await this.deps.outbox.channelsWithPending();
    } catch (err) {
      // A locked, failing or unreachable database: the next poll tries again.
      this.deps.log.error({ err }, 'cannot read the outbox');
      return;
    }
    for (const channel of channels) this.serve(channel);
  }

  /** Starts delivering a channel unless it is being delivered, backing off, or its chat is not ready. Never awaits. */
  private serve(channel: string): void {
    // stop() may have been called while the outbox was read.
    if (!this.running) return;
    if (this.busy.has(channel)) {
      this.dirty.add(channel);
      return;
    }
    const retry = this.retryAt.get(channel);
    if (retry && retry.at > this.deps.clock.now().getTime()) return;
    const adapter = this.deps.adapterFor(channel);
    if (!adapter) {
      if (!this.warnedNoAdapter.has(channel)) {
        this.warnedNoAdapter.add(channel);
        this.deps.log.warn({ channel }, 'no chat adapter serves this channel: its messages wait in the outbox');
      }
      return;
    }
    if (!adapter.isReady()) return;
    this.busy.add(channel);
    this.dirty.delete(channel);
    const p = this.deliverChannel(channel, adapter)
      .catch((err: unknown) => {
        if (isLeaseLost(err)) {
          // Another node leads now: it delivers the rest; this one is being stopped.
          this.deps.log.warn({ channel }, 'delivery stopped: the leader lease is gone');
          return;
        }
        // The store failed under us (locked, disk full, unreachable): back off, the rows are still there.
        this.deps.log.error({ err, channel }, 'delivery stopped by a store error; retrying');
        this.backOff(channel);
      })
      .finally(() => {
        this.busy.delete(channel);
        this.inFlight.delete(p);
        // A row written after the loop's last read of the channel.
        if (this.dirty.delete(channel)) this.serve(channel);
      });
    this.inFlight.add(p);
  }

  private backOff(channel: string): number {
    const prev = this.retryAt.get(channel)?.delay ?? RETRY_MIN_MS / 2;
    const delay = Math.min(prev * 2, RETRY_MAX_MS);
    this.retryAt.set(channel, { at: this.deps.clock.now().getTime() + delay, delay });
    return delay;
  }

  /** Delivers until the channel is empty or a send fails. */
  private async deliverChannel(channel: string, adapter: ChatAdapter): Promise<void> {
    const { outbox, log, fence } = this.deps;
    for (;;) {
      if (fence && !fence.canSend()) return;
      const rows = await outbox.pending(channel, BATCH);
      if (rows.length === 0) return;
      if (await this.condenseBacklog(channel, adapter)) continue;
      for (const row of rows) {
        if (!this.running || !adapter.isReady()) return;
        // A storm arriving while we send: condense, then start over from the digests.
        if (await this.condenseBacklog(channel, adapter)) break;
        if (fence) {
          const claim = await outbox.claim(row.id, fence);
          if (!claim.claimed) continue;
          if (claim.resend) this.deps.onResent?.(channel);
          // Checked again right before the send, on this node's own clock.
          if (!fence.canSend()) return;
        }
        try {
          await adapter.send({
            channel,
            body: row.body,
            priority: row.priority,
            ...(row.asker !== null && { asker: row.asker }),
            ...(row.author !== null && { author: row.author }),
            ...(row.action === 1 && { action: true }),
            ...(row.thread !== null && { thread: row.thread }),
            ...(row.recipient !== null && { recipient: row.recipient }),
          });
        } catch (err) {
          if (err instanceof PermanentDeliveryError) {
            await outbox.markUndeliverable(row.id, err.message);
            log.error({ channel, outboxId: row.id, error: err.message }, 'message cannot be delivered as addressed; set aside');
            continue;
          }
          await outbox.markFailed(row.id, String((err as Error)?.message ?? err));
          const delay = this.backOff(channel);
          log.warn({ channel, outboxId: row.id, err, retryInMs: delay }, 'delivery failed; the message stays in the outbox');
          return;
        }
        // Sent, then marked: if marking fails (the store went away), the row
        // stays pending and is sent again later; at least once, never lost.
        await outbox.markDelivered(row.id, fence);
        this.deps.onDelivered?.(channel);
        this.retryAt.delete(channel);
      }
    }
  }

  /** Condenses the channel's backlog when it is more than the channel can send in the digest window. */
  private async condenseBacklog(channel: string, adapter: ChatAdapter): Promise<boolean> {
    const { digest } = this.deps;
    const rate = adapter.sendRate?.(channel);
    if (!digest || digest.afterMs <= 0 || !rate) return false;
    const allowed = rate.burst + (rate.perSecond * digest.afterMs) / 1000;
    const pending = await this.deps.outbox.condensableCount(channel);
    if (pending <= allowed) return false;
    // Nothing could be condensed at this size: wait for the backlog to grow before planning again.
    const failedAt = this.uncondensable.get(channel);
    if (failedAt !== undefined && pending < failedAt + allowed) return false;
    const n = await this.deps.outbox.condense(channel, (rows) => planDigests(rows, digest.format));
    if (n === 0) {
      this.uncondensable.set(channel, pending);
      return false;
    }
    this.uncondensable.delete(channel);
    this.deps.log.info({ channel, rows: n }, 'backlog condensed into digests');
    this.deps.onCondensed?.(channel, n);
    return true;
  }
}
