import { z } from 'zod';
import { InputError } from '../../errors.js';
import { validate } from '../../validate.js';
import { hostFromLabels, stripPort } from '../../domain/alerts/host.js';
import { severityOf, type AlertInput, type Severity } from '../../domain/alerts/model.js';

/**
 * What each alert source posts, checked field by field, and turned into
 * AlertInput. Unknown extra fields are allowed: sources add fields between
 * versions and a new field must not make alerts bounce.
 */

const MAX_ALERTS = 10_000;
const labels = z.record(z.string(), z.string({ error: 'expected a string value' }));
const text = (max: number) => z.string().max(max, { error: `longer than ${max} characters` });
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected an RFC 3339 time' });
const status = z.enum(['firing', 'resolved'], { error: 'expected firing or resolved' });

/** Alertmanager and Grafana send "0001-01-01T00:00:00Z" for "not set". */
function realTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return d.getUTCFullYear() <= 1 ? undefined : d;
}

const promAlert = z.looseObject({
  status,
  labels,
  annotations: labels.optional(),
  startsAt: time.optional(),
  endsAt: time.optional(),
  generatorURL: z.string().optional(),
  fingerprint: text(200).optional(),
});

const alertmanagerPayload = z.looseObject({
  version: z.literal('4', { error: 'expected "4" (Alertmanager webhook payload version 4)' }),
  status: status.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(promAlert).max(MAX_ALERTS, { error: `at most ${MAX_ALERTS} alerts per request` }),
});

const grafanaPayload = z.looseObject({
  externalURL: z.string().optional(),
  alerts: z.array(
    promAlert.extend({ panelURL: z.string().optional(), dashboardURL: z.string().optional(), valueString: z.string().optional() }),
  ).max(MAX_ALERTS, { error: `at most ${MAX_ALERTS} alerts per request` }),
});

const genericAlert = z.strictObject({
  title: text(500).trim().min(1, { error: 'required: a short title' }),
  severity: z.string().refine((s) => severityOf(s) !== null, { error: 'expected critical, error, warning or info' }),
  host: text(255).optional(),
  status: status.default('firing'),
  text: text(10_000).optional(),
  labels: labels.optional(),
  fingerprint: text(200).optional(),
  source: z.string().regex(/^[\w.-]{1,40}$/, { error: 'expected a short name (letters, digits, . _ -)' }).optional(),
  url: z.url({ error: 'expected a URL' }).optional(),
});

export interface SourceOptions {
  /** Label names holding the host, in order of preference. */
  hostLabels: readonly string[];
}

function fromPrometheusStyle(source: string, a: z.infer<typeof promAlert>, externalURL: string | undefined, o: SourceOptions): AlertInput {
  const ann = a.annotations ?? {};
  const name = a.labels.alertname || 'unnamed';
  const summary = ann.summary || ann.message || ann.description || name;
  const host = hostFromLabels(a.labels, o.hostLabels);
  const description = ann.description && ann.description !== summary ? ann.description : undefined;
  const url = a.generatorURL || externalURL;
  const startsAt = realTime(a.startsAt);
  const endsAt = realTime(a.endsAt);
  return {
    source,
    name,
    severity: severityFromLabels(a.labels),
    status: a.status,
    labels: a.labels,
    summary,
    ...(a.fingerprint && { fingerprint: a.fingerprint }),
    ...(host && { host }),
    ...(description && { text: description }),
    ...(url && { url }),
    ...(startsAt && { startsAt }),
    ...(endsAt && { endsAt }),
  };
}

/** Prometheus rules put severity in a label; an alert without one is a warning. */
function severityFromLabels(l: Record<string, string>): Severity {
  return severityOf(l.severity ?? l.priority ?? '') ?? 'warning';
}

export function fromAlertmanager(body: unknown, o: SourceOptions): AlertInput[] {
  const p = validate(alertmanagerPayload, body);
  return p.alerts.map((a) => fromPrometheusStyle('alertmanager', a, p.externalURL, o));
}

export function fromGrafana(body: unknown, o: SourceOptions): AlertInput[] {
  const p = validate(grafanaPayload, body);
  return p.alerts.map((a) => fromPrometheusStyle('grafana', a, p.externalURL, o));
}

/** `POST /api/v1/alerts`: one alert object, or an array of them. */
export function fromGeneric(body: unknown, o: SourceOptions): AlertInput[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length > MAX_ALERTS) throw new InputError(`at most ${MAX_ALERTS} alerts per request`, '');
  return items.map((item, i) => {
    const a = validate(genericAlert, item, Array.isArray(body) ? String(i) : '');
    const l = a.labels ?? {};
    const host = (a.host?.trim() && stripPort(a.host.trim())) || hostFromLabels(l, o.hostLabels);
    return {
      source: a.source ?? 'api',
      name: l.alertname || a.title,
      severity: severityOf(a.severity)!,
      status: a.status,
      labels: { ...l, ...(host && !l.host && { host }) },
      summary: a.title,
      ...(host && { host }),
      ...(a.text && { text: a.text }),
      ...(a.fingerprint && { fingerprint: a.fingerprint }),
      ...(a.url && { url: a.url }),
    };
  });
}

/** Which source a sample payload is (for `opsbridge routes test`). */
export function detectSource(body: unknown): 'alertmanager' | 'grafana' | 'generic' | 'logs' {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    // Grafana says version "1" and names its org; anything else with alerts is Alertmanager's (its parser checks the version).
    if (Array.isArray(b.alerts)) return b.version === '1' || 'orgId' in b ? 'grafana' : 'alertmanager';
    if ('message' in b && 'level' in b) return 'logs';
  }
  if (Array.isArray(body) && body[0] && typeof body[0] === 'object' && 'message' in body[0] && 'level' in body[0]) return 'logs';
  return 'generic';
}
