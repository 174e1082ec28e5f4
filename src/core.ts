import type { Logger } from 'pino';
import type { Dispatcher } from './chat/dispatcher.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import type { Outbox } from './delivery/outbox.js';
import type { Cluster } from './leadership/cluster.js';
import type { Metrics } from './metrics.js';
import type { Services } from './services.js';
import type { Sql } from './store/sql.js';

/** What app.ts builds from the config: the store, the services, the dispatcher. Every node has one. */
export interface Core {
  config: Config;
  db: Sql;
  log: Logger;
  clock: Clock;
  outbox: Outbox;
  metrics: Metrics;
  services: Services;
  dispatcher: Dispatcher<Services>;
  /** Who leads a redundant pair (on SQLite: this node, once it runs). */
  cluster: Cluster;
  close(): Promise<void>;
}

