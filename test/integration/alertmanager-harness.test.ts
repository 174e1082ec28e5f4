import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type Alertmanager, type PostedAlert } from '../helpers/alertmanager.js';

/**
 * Proves test/helpers/alertmanager.ts: a real Alertmanager delivers webhook notifications
 * (Bearer token, payload version 4) to a bare HTTP receiver, firing then resolved.
 */

interface Notification {
  headers: IncomingHttpHeaders;
  body: WebhookPayload;
  at: number;
}
interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}
interface WebhookPayload {
  version: string;
  status: string;
  receiver: string;
  groupKey: string;
  truncatedAlerts: number;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

const TOKEN = 'am-test-token';
const received: Notification[] = [];
let receiver: Server;
let am: Alertmanager;

const diskFull: PostedAlert = {
  labels: { alertname: 'DiskFull', instance: 'web01:9100', job: 'node', severity: 'critical' },
  annotations: { summary: 'Disk / on web01 is 97% full', runbook_url: 'https://wiki.example.com/runbooks/disk-full' },
  generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=disk_used_ratio+%3E+0.95&g0.tab=1',
};
const highLoad: PostedAlert = {
  labels: { alertname: 'HighLoad', instance: 'db1:9100', job: 'node', severity: 'warning' },
  annotations: { summary: 'Load average on db1 is 12.4' },
  generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=node_load5+%3E+8&g0.tab=1',
};

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; received:\n${JSON.stringify(received.map((n) => n.body), null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The newest state of an alert, by alertname, across the notifications received so far. */
function latest(alertname: string): { n: Notification; alert: WebhookAlert } | undefined {
  for (let i = received.length - 1; i >= 0; i--) {
    const n = received[i]!;
    const alert = n.body.alerts.find((a) => a.labels.alertname === alertname);
    if (alert) return { n, alert };
  }
  return undefined;
}

/**
 * An endsAt that is already past when Alertmanager handles it. It must not be before the
 * alert's startsAt (HTTP 400 "start time must be before end time"), hence "now", not earlier.
 */
function nowIso(): string {
  return new Date().toISOString();
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) as WebhookPayload, at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const { port } = receiver.address() as AddressInfo;
  am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${port}/alerts`, token: TOKEN, groupBy: ['job'] });
});

afterAll(async () => {
  await am?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe('alertmanager harness', () => {
  it('delivers firing then resolved notifications to a webhook with a Bearer token', { timeout: 60_000 }, async () => {
    const ready = await fetch(`${am.url}/-/ready`);
    expect(ready.status).toBe(200);

    // Firing: both alerts share job=node, so (group_by job) they come as one group.
    await am.postAlerts([diskFull, highLoad]);
    await waitFor(() => (latest('DiskFull') && latest('HighLoad') ? true : undefined), 'both alerts firing');

    const first = received[0]!;
    expect(first.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.headers['user-agent']).toMatch(/^Alertmanager\//);
    expect(first.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'opsbridge',
      groupKey: '{}:{job="node"}',
      truncatedAlerts: 0,
      groupLabels: { job: 'node' },
      commonLabels: { job: 'node' },
      externalURL: am.url,
    });
    const seen = new Map<string, WebhookAlert>();
    for (const n of received) for (const a of n.body.alerts) seen.set(a.labels.alertname!, a);
    for (const posted of [diskFull, highLoad]) {
      const a = seen.get(posted.labels.alertname!)!;
      expect(a).toMatchObject({
        status: 'firing',
        labels: posted.labels,
        annotations: posted.annotations,
        generatorURL: posted.generatorURL,
        endsAt: '0001-01-01T00:00:00Z',
      });
      expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(Date.now() - Date.parse(a.startsAt)).toBeLessThan(60_000);
    }
    expect(seen.get('DiskFull')!.fingerprint).not.toBe(seen.get('HighLoad')!.fingerprint);

    // Resolve DiskFull only: the next flush carries it as resolved; the group is still firing.
    // Like Prometheus, re-send the original startsAt: without one, Alertmanager takes endsAt as
    // the new alert's startsAt and, merging, keeps the earlier of the two.
    const diskEnd = nowIso();
    const before = received.length;
    await am.postAlerts([{ ...diskFull, startsAt: seen.get('DiskFull')!.startsAt, endsAt: diskEnd }]);
    const resolvedOne = await waitFor(() => {
      const l = latest('DiskFull');
      return l && l.alert.status === 'resolved' ? l : undefined;
    }, 'DiskFull resolved');
    expect(received.length).toBeGreaterThan(before);
    expect(resolvedOne.n.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(resolvedOne.alert).toMatchObject({
      status: 'resolved',
      labels: diskFull.labels,
      fingerprint: seen.get('DiskFull')!.fingerprint,
      startsAt: seen.get('DiskFull')!.startsAt,
    });
    // Same instant; Go prints RFC 3339 with trailing fraction zeros dropped.
    expect(Date.parse(resolvedOne.alert.endsAt)).toBe(Date.parse(diskEnd));
    expect(resolvedOne.n.body.status).toBe('firing');
    expect(resolvedOne.n.body.alerts.find((a) => a.labels.alertname === 'HighLoad')?.status).toBe('firing');

    // Resolve the last one: the whole group is resolved. DiskFull is not in this payload: a
    // resolved alert leaves its group once its resolved notification has been sent.
    await am.postAlerts([{ ...highLoad, startsAt: seen.get('HighLoad')!.startsAt, endsAt: nowIso() }]);
    const allResolved = await waitFor(
      () => received.find((n) => n.body.status === 'resolved'),
      'a notification with status resolved',
    );
    expect(allResolved.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(allResolved.body).toMatchObject({ version: '4', status: 'resolved', groupKey: '{}:{job="node"}' });
    expect(allResolved.body.alerts.map((a) => [a.labels.alertname, a.status])).toEqual([['HighLoad', 'resolved']]);
  });
});
