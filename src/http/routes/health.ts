import type { AdapterStatus } from '../../adapters/adapter.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Router } from '../router.js';

/**
 * Liveness and what a person on call wants to know first: is the database
 * answering, is each chat connected, how much is waiting to go out. A chat
 * that is down makes the answer `degraded`, not a failure: the bot still
 * accepts and keeps everything, and restarting it would not help.
 */
export function healthRoutes(router: Router, outboxTable: Outbox, chats: () => Record<string, AdapterStatus>): void {
  router.add('GET', '/healthz', () => {
    let outbox: number;
    try {
      outbox = outboxTable.pendingCount();
    } catch (err) {
      return { status: 503, body: { status: 'error', error: `database: ${(err as Error).message}` } };
    }
    const chat = chats();
    const allUp = Object.values(chat).every((c) => c.connected);
    return { status: 200, body: { status: allUp ? 'ok' : 'degraded', outbox, chat } };
  });
}
