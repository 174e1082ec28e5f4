import { UserError } from '../../errors.js';
import type { Inventory } from '../servers/inventory.js';
import { requireOneServer } from '../servers/lookup.js';
import type { Server } from '../servers/model.js';

const GLOB = /[*?[]/;
/** More hosts than this in one window is almost certainly a mistyped glob. */
const MAX_HOSTS = 5_000;

/**
 * What a window covers, `web01,web0[2-4],db*,role:db:master`: names (or
 * FQDNs), globs and roles, resolved against the inventory. A name that is
 * not in the inventory is an error with suggestions; a glob or role that
 * matches nothing is reported so the user can fix it. A user error is a
 * rejected promise.
 */
export async function resolveTargets(inventory: Inventory, targets: string): Promise<{ servers: Server[]; empty: string[] }> {
  const items = targets.split(',').map((t) => t.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError('no hosts given: use hosts=web01,web0[2-4],db*,role:db:master');
  const byId = new Map<number, Server>();
  const empty: string[] = [];
  for (const item of items) {
    let found: Server[];
    if (item.toLowerCase().startsWith('role:')) found = (await inventory.list({ role: item.slice(5) }, MAX_HOSTS + 1)).servers;
    else if (GLOB.test(item)) found = (await inventory.list({ name: item }, MAX_HOSTS + 1)).servers;
    else found = [await requireOneServer(inventory, item)];
    if (found.length === 0) empty.push(item);
    for (const s of found) byId.set(s.id, s);
    if (byId.size > MAX_HOSTS) throw new UserError(`'${targets}' covers more than ${MAX_HOSTS} hosts; narrow it down`);
  }
  return { servers: [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })), empty };
}
