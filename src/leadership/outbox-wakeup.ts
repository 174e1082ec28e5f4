import type pg from 'pg';
import type { Logger } from 'pino';
import type { PostgresSql } from '../store/postgres.js';

const CHANNEL = 'opsbridge_outbox';
const RECONNECT_MS = 2_000;

/**
 * Wakes the leader's delivery when any node writes to the outbox, through
 * PostgreSQL's LISTEN/NOTIFY (a trigger on outbox notifies the row's channel
 * at commit).
 * NOTIFY is not replayed to a listener that was away, so delivery keeps a
 * slow poll as well, and every reconnect wakes it once to catch up.
 */
export class OutboxWakeup {
  private client: pg.PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  /** `wake(channel)` for a row written to that channel; `wake()` to look at every channel. */
  constructor(private readonly db: PostgresSql, private readonly wake: (channel?: string) => void, private readonly log: Logger) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('notification');
      c.release(true);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await this.db.connect();
      client.on('notification', (n) => this.wake(n.payload || undefined));
      client.on('error', (err) => {
        this.log.warn({ err: err.message }, 'outbox listener lost its connection; reconnecting');
        if (this.client === client) this.client = null;
        client.release(true);
        this.retry();
      });
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      this.wake();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot listen for outbox rows; polling until the database answers');
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, RECONNECT_MS);
    this.timer.unref();
  }
}
