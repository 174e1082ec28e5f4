import { lookupServers } from '../../domain/servers/lookup.js';
import { FILTER_KEYS, isStatus, STATUSES, type ServerFilter } from '../../domain/servers/model.js';
import type { Services } from '../../services.js';
import { HttpError, type Router } from '../router.js';
import { intParam } from './params.js';

const MAX_LIMIT = 1000;

export function serverRoutes(router: Router, services: Services): void {
  router.add('GET', '/api/v1/servers', async ({ url }) => {
    const filter: ServerFilter = {};
    let limit = 100;
    let offset = 0;
    for (const [key, value] of url.searchParams) {
      if (key === 'limit') limit = intParam(key, value, 1, MAX_LIMIT);
      else if (key === 'offset') offset = intParam(key, value, 0, Number.MAX_SAFE_INTEGER);
      else if ((FILTER_KEYS as readonly string[]).includes(key)) filter[key as keyof ServerFilter] = value;
      else throw new HttpError(400, `unknown parameter '${key}' (parameters: ${[...FILTER_KEYS, 'limit', 'offset'].join(', ')})`, key);
    }
    if (filter.status && !/[*?[]/.test(filter.status) && !isStatus(filter.status.toLowerCase())) {
      throw new HttpError(400, `unknown status '${filter.status}' (one of: ${STATUSES.join(', ')})`, 'status');
    }
    const { total, servers } = await services.inventory.list(filter, limit, offset);
    return { status: 200, body: { total, limit, offset, servers } };
  });

  router.add('GET', '/api/v1/servers/:name', async ({ params }) => {
    const server = await services.inventory.get(params.name!);
    if (!server) {
      const r = await lookupServers(services.inventory, params.name!, 1);
      return { status: 404, body: { error: `no server '${params.name}'`, suggestions: r.kind === 'none' ? r.suggestions : [] } };
    }
    return { status: 200, body: { server, history: await services.inventory.history(server.id, 100) } };
  });
}
