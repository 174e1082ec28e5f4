import type { Config } from '../config/schema.js';
import { detectSource, fromAlertmanager, fromGeneric, fromGrafana } from '../ingest/alerts/sources.js';
import { subjectOf } from '../domain/alerts/service.js';
import { logSubject, parseLogLines } from '../domain/logs/service.js';
import { Routes, type RouteResult } from '../domain/routing/routes.js';
import { InputError } from '../errors.js';

/**
 * `opsbridge routes test FILE`: the same parsing and routing the bot does,
 * without storing or posting anything. Host matching against the inventory
 * is left out: routes see the host as the source named it.
 */
export function explainRoutes(config: Config, body: unknown): string[] {
  const kind = detectSource(body);
  const sources = { hostLabels: config.alerts.host_labels };
  const out: string[] = [`payload: ${kind}`];
  const describe = (r: RouteResult) =>
    `→ ${r.channels.length ? r.channels.join(', ') : '(stored only)'}  [${r.matched.map((m) => (m === 'default' ? 'default' : `rule ${m + 1}`)).join(', ')}]`;
  try {
    if (kind === 'logs') {
      const routes = new Routes(config.logs.routes, config.logs.default);
      for (const l of parseLogLines(Array.isArray(body) ? body : [body])) {
        const r = routes.route(logSubject(l));
        out.push(`log ${l.level} from ${l.host}: ${l.message.slice(0, 60)} ${describe(r)}`);
      }
      return out;
    }
    const parse = kind === 'alertmanager' ? fromAlertmanager : kind === 'grafana' ? fromGrafana : fromGeneric;
    const routes = new Routes(config.alerts.routes, config.alerts.default);
    for (const a of parse(body, sources)) {
      const r = routes.route(subjectOf(a, a.host));
      out.push(`${a.status} ${a.severity} ${a.name}${a.host ? ` on ${a.host}` : ''} ${describe(r)}`);
    }
    return out;
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`not a valid ${kind} payload: ${err.message}`, '');
    throw err;
  }
}
