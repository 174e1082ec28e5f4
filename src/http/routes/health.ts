import type { AdapterStatus } from '../../adapters/adapter.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Cluster } from '../../leadership/cluster.js';
import type { Router } from '../router.js';

export interface HealthDeps {
  outbox: Outbox;
  cluster: Cluster;
  /** This node's chat connections: none on a standby. */
  chats: () => Record<string, AdapterStatus>;
}

/**
 * Liveness and what a person on call wants to know first: is the database
 * answering, which node leads (since when, under which epoch), is each chat
 * connected, how much is waiting to go out. A chat that is down makes the
 * answer `degraded`, not a failure: the bot still accepts and keeps
 * everything, and restarting it would not help. A standby is `ok` with no
 * chats: holding none is its job.
 */
export function healthRoutes(router: Router, deps: HealthDeps): void {
  router.add('GET', '/healthz', async () => {
    let outbox: number;
    let cluster;
    try {
      outbox = await deps.outbox.pendingCount();
      cluster = await deps.cluster.status();
    } catch (err) {
      return { status: 503, headers: { 'retry-after': '5' }, body: { status: 'error', error: `database: ${(err as Error).message}` } };
    }
    const chat = deps.chats();
    const allUp = Object.values(chat).every((c) => c.connected);
    return {
      status: 200,
      body: {
        status: allUp ? 'ok' : 'degraded',
        node: cluster.self ?? { node: deps.cluster.node, role: 'standby' },
        leader: cluster.leader,
        outbox,
        chat,
      },
    };
  });
}
