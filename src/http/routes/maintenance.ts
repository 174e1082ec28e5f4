import { z } from 'zod';
import { channelAddress } from '../../chat/message.js';
import { WINDOW_STATUSES, type WindowStatus } from '../../domain/maintenance/model.js';
import type { MaintenanceService } from '../../domain/maintenance/service.js';
import type { MaintenanceStore } from '../../domain/maintenance/store.js';
import type { Inventory } from '../../domain/servers/inventory.js';
import type { Clock } from '../../clock.js';
import { UserError } from '../../errors.js';
import { parseDurationWord, parseTime } from '../../time/parse-time.js';
import { validate } from '../../validate.js';
import { jsonBody, withToken } from '../request.js';
import { HttpError, type Router } from '../router.js';
import { intParam } from './params.js';

/** `POST /api/v1/maintenance`: what a deploy script sends to open a window. */
const newWindow = z.strictObject({
  title: z.string({ error: 'required: a short title (a string)' }).trim().min(1, { error: 'required: a short title' }).max(200),
  hosts: z.string({ error: 'required: names, globs and role:NAME, comma-separated (a string)' }).min(1, { error: 'required: names, globs and role:NAME, comma-separated' }),
  /** RFC 3339, or anything !maint schedule at= takes; default now. */
  start: z.string().optional(),
  duration: z.string({ error: 'required: a duration string such as "30m" or "2h"' }),
  channels: z.array(channelAddress).min(1).optional(),
  owner: z.string().min(1).max(100).optional(),
});

export function maintenanceRoutes(
  router: Router,
  deps: { maintenance: MaintenanceService; store: MaintenanceStore; inventory: Inventory; clock: Clock; timezone: string; channels: string[]; token: string },
): void {
  router.add('GET', '/api/v1/maintenance', async ({ url }) => {
    let status: WindowStatus | undefined;
    let limit = 100;
    let offset = 0;
    for (const [key, value] of url.searchParams) {
      if (key === 'status') {
        if (!(WINDOW_STATUSES as readonly string[]).includes(value)) throw new HttpError(400, `status must be one of ${WINDOW_STATUSES.join(', ')}`, key);
        status = value as WindowStatus;
      } else if (key === 'limit') limit = intParam(key, value, 1, 1000);
      else if (key === 'offset') offset = intParam(key, value, 0, Number.MAX_SAFE_INTEGER);
      else throw new HttpError(400, `unknown parameter '${key}' (parameters: status, limit, offset)`, key);
    }
    const r = await deps.store.list({ ...(status && { status }), limit, offset });
    return { status: 200, body: { total: r.total, limit, offset, windows: r.windows } };
  });

  router.add('GET', '/api/v1/maintenance/:id', async ({ params }) => {
    const id = intParam('id', params.id!, 1, Number.MAX_SAFE_INTEGER);
    const w = await deps.store.get(id);
    if (!w) return { status: 404, body: { error: `no maintenance #${id}` } };
    const hosts: Array<{ name: string | null; previous_status: string }> = [];
    for (const h of await deps.store.hosts(id)) hosts.push({ name: (await deps.inventory.getById(h.server_id))?.name ?? null, previous_status: h.previous_status });
    return { status: 200, body: { window: w, hosts, timeline: await deps.store.updates(id, 500) } };
  });

  router.add(
    'POST',
    '/api/v1/maintenance',
    withToken(deps.token, async (req) => {
      const b = validate(newWindow, jsonBody(req));
      const now = deps.clock.now();
      const startsAt = fieldOf('start', () => (b.start ? parseTime(b.start, now, deps.timezone).at : now));
      const durationMs = fieldOf('duration', () => parseDurationWord(b.duration, 'the window'));
      const channels = b.channels ?? (deps.channels.length > 0 ? deps.channels : ['console']);
      const w = await fieldOf('hosts', () =>
        deps.maintenance.plan({ title: b.title, targets: b.hosts, startsAt, durationMs, owner: b.owner ?? 'api', channels }, `api:${b.owner ?? 'token'}`),
      );
      return { status: 201, body: { window: await deps.store.get(w.id), hosts: (await deps.store.hosts(w.id)).length } };
    }),
  );
}

/** A user error from parsing one field (thrown, or a rejected promise), answered as a 400 naming it. */
function fieldOf<T>(field: string, f: () => Promise<T>): Promise<T>;
function fieldOf<T>(field: string, f: () => T): T;
function fieldOf<T>(field: string, f: () => T | Promise<T>): T | Promise<T> {
  const asHttp = (err: unknown): never => {
    if (err instanceof UserError) throw new HttpError(400, err.message, field);
    throw err;
  };
  try {
    const r = f();
    return r instanceof Promise ? r.catch(asHttp) : r;
  } catch (err) {
    return asHttp(err);
  }
}
