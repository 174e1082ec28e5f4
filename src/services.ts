import type { Inventory } from './domain/servers/inventory.js';

/** What commands and the HTTP API may use: the domain services, built once in app.ts. */
export interface Services {
  inventory: Inventory;
  /** IANA zone every time is shown in. */
  timezone: string;
  /** Base URL for links in chat, when the operator configured one. */
  publicUrl?: string;
}
