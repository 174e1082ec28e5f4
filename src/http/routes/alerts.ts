import type { AlertService } from '../../domain/alerts/service.js';
import { fromAlertmanager, fromGeneric, fromGrafana, type SourceOptions } from '../../ingest/alerts/sources.js';
import type { AlertInput } from '../../domain/alerts/model.js';
import type { AlertStore } from '../../domain/alerts/store.js';
import type { GroupCommit } from '../../store/group-commit.js';
import { jsonBody, withToken } from '../request.js';
import { HttpError, type HttpRequest, type Router } from '../router.js';
import { intParam } from './params.js';

const MAX_LIMIT = 1000;

/** Alert sources (token required) and the alerts as stored (read-only). */
export function alertRoutes(router: Router, deps: { alerts: AlertService; store: AlertStore; commits: GroupCommit; token: string; sources: SourceOptions }): void {
  const accept = (parse: (body: unknown, o: SourceOptions) => AlertInput[]) =>
    withToken(deps.token, async (req: HttpRequest) => {
      const inputs = parse(jsonBody(req), deps.sources);
      // Committed before the answer: a 202 means the alerts survive a crash.
      const accepted = await deps.commits.submit(() => deps.alerts.ingestInTransaction(inputs));
      return { status: 202, body: { accepted: accepted.length, alerts: accepted } };
    });
  router.add('POST', '/api/v1/alerts/alertmanager', accept(fromAlertmanager));
  router.add('POST', '/api/v1/alerts/grafana', accept(fromGrafana));
  router.add('POST', '/api/v1/alerts', accept(fromGeneric));

  router.add('GET', '/api/v1/alerts', async ({ url }) => {
    const q: Parameters<AlertStore['list']>[0] = { limit: 100 };
    for (const [key, value] of url.searchParams) {
      switch (key) {
        case 'status':
          if (value !== 'firing' && value !== 'resolved' && value !== 'all') throw new HttpError(400, `status must be firing, resolved or all, got '${value.slice(0, 20)}'`, key);
          q.status = value;
          break;
        case 'host':
        case 'severity':
        case 'name':
          q[key] = value;
          break;
        case 'since': {
          const t = Date.parse(value);
          if (Number.isNaN(t)) throw new HttpError(400, `since must be an RFC 3339 time, got '${value.slice(0, 40)}'`, key);
          q.since = new Date(t).toISOString();
          break;
        }
        case 'limit':
          q.limit = intParam(key, value, 1, MAX_LIMIT);
          break;
        case 'offset':
          q.offset = intParam(key, value, 0, Number.MAX_SAFE_INTEGER);
          break;
        default:
          throw new HttpError(400, `unknown parameter '${key}' (parameters: status, host, severity, name, since, limit, offset)`, key);
      }
    }
    const { total, alerts } = await deps.store.list(q);
    return { status: 200, body: { total, limit: q.limit, offset: q.offset ?? 0, alerts } };
  });

  router.add('GET', '/api/v1/alerts/:id', async ({ params }) => {
    const id = intParam('id', params.id!, 1, Number.MAX_SAFE_INTEGER);
    const alert = await deps.store.get(id);
    if (!alert) return { status: 404, body: { error: `no alert #${id}` } };
    return { status: 200, body: { alert, history: await deps.store.events(id, 200) } };
  });
}
