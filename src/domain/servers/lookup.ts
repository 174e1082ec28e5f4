import { closest } from '../../chat/suggest.js';
import { UserError } from '../../errors.js';
import type { Inventory } from './inventory.js';
import type { Server } from './model.js';

export type LookupResult =
  | { kind: 'one'; server: Server }
  | { kind: 'many'; total: number; servers: Server[]; by: 'ip' | 'cidr' | 'glob' }
  | { kind: 'none'; suggestions: string[] };

const GLOB = /[*?[]/;

/**
 * Finds hosts the way people ask for them: a name or FQDN, an IP, a CIDR
 * range (`10.2.0.0/16`) or a glob (`web*`). A miss comes with the closest
 * names.
 */
export async function lookupServers(inventory: Inventory, query: string, limit: number): Promise<LookupResult> {
  const q = query.trim();
  const byAddress = await inventory.findByAddress(q, limit);
  if (byAddress) {
    if (byAddress.total === 1 && !q.includes('/')) return { kind: 'one', server: byAddress.servers[0]! };
    if (byAddress.total > 0) return { kind: 'many', ...byAddress, by: q.includes('/') ? 'cidr' : 'ip' };
    return { kind: 'none', suggestions: [] };
  }
  if (GLOB.test(q)) {
    const r = await inventory.list({ name: q }, limit);
    if (r.total === 1) return { kind: 'one', server: r.servers[0]! };
    return r.total > 0 ? { kind: 'many', ...r, by: 'glob' } : { kind: 'none', suggestions: [] };
  }
  const server = await inventory.get(q);
  if (server) return { kind: 'one', server };
  let suggestions = closest(q, await inventory.namesLike(q));
  if (suggestions.length === 0) suggestions = closest(q, await inventory.allNames());
  return { kind: 'none', suggestions };
}

/** Hosts named when a word matches several: enough to pick the one meant from. */
const SEVERAL_SHOWN = 3;

/**
 * The one host a word names (name, FQDN, or an address only it has), or a
 * user error (a rejected promise) that says why not: no such host (with the closest names), or
 * several (with the first of them).
 */
export async function requireOneServer(inventory: Inventory, name: string): Promise<Server> {
  const exact = await inventory.get(name);
  if (exact) return exact;
  const r = await lookupServers(inventory, name, SEVERAL_SHOWN);
  if (r.kind === 'one') return r.server;
  if (r.kind === 'many') {
    const more = r.total > r.servers.length ? ` and ${r.total - r.servers.length} more` : '';
    throw new UserError(`'${name}' is not one host name: it matches ${r.servers.map((s) => s.name).join(', ')}${more}; name one`);
  }
  throw new UserError(noSuchServer(name, r.suggestions));
}

/** What a miss says, with the closest names when there are any. */
export function noSuchServer(name: string, suggestions: readonly string[]): string {
  return `no server '${name}'${suggestions.length > 0 ? ` — did you mean ${suggestions.join(', ')}?` : ''}`;
}
