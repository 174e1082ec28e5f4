import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../../src/domain/alerts/fingerprint.js';
import { DEFAULT_HOST_LABELS, hostFromLabels, stripPort } from '../../src/domain/alerts/host.js';
import { severityOf, severityRank } from '../../src/domain/alerts/model.js';
import { detectSource, fromAlertmanager, fromGeneric, fromGrafana, type SourceOptions } from '../../src/ingest/alerts/sources.js';
import { InputError } from '../../src/errors.js';
import { thrownBy } from '../helpers/thrown.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alerts');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
const opts: SourceOptions = { hostLabels: DEFAULT_HOST_LABELS };

/** The InputError a parse throws: its field and message. */
function inputError(parse: () => unknown): { field: string; message: string } {
  const err = thrownBy(InputError, parse);
  return { field: err.field, message: err.message };
}

/** A minimal valid Alertmanager alert, to break one field at a time. */
function amAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'firing', labels: { alertname: 'DiskFull', instance: 'web01:9100', severity: 'critical' }, ...over };
}
const am = (alerts: unknown[], over: Record<string, unknown> = {}) => ({ version: '4', status: 'firing', alerts, ...over });

describe('fromAlertmanager', () => {
  it('turns the captured firing payload into one input per alert, in the payload order', () => {
    const inputs = fromAlertmanager(fixture('alertmanager-firing.json'), opts);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toEqual({
      source: 'alertmanager',
      fingerprint: 'f0cacca025ff1cb6',
      name: 'HighLoad',
      severity: 'warning',
      status: 'firing',
      host: 'db1',
      summary: 'Load average on db1:9100 is 12.4',
      text: 'node_load5 has been above 8 for 10 minutes.',
      labels: { alertname: 'HighLoad', instance: 'db1:9100', job: 'node', severity: 'warning' },
      url: 'http://prometheus.example.com:9090/graph?g0.expr=node_load5+%3E+8&g0.tab=1',
      startsAt: new Date('2025-03-14T09:14:15.500Z'),
    });
    expect(inputs[1]).toMatchObject({ name: 'DiskFull', severity: 'critical', host: 'web01', fingerprint: '4dbace756ef84ad5', summary: 'Disk / on web01:9100 is 97% full' });
  });

  it('treats the "0001-01-01T00:00:00Z" endsAt of a firing alert as not set', () => {
    for (const a of fromAlertmanager(fixture('alertmanager-firing.json'), opts)) expect(a).not.toHaveProperty('endsAt');
  });

  it('reads the resolved payload with its end times', () => {
    const inputs = fromAlertmanager(fixture('alertmanager-resolved.json'), opts);
    expect(inputs.map((a) => [a.name, a.status, a.fingerprint, a.endsAt?.toISOString()])).toEqual([
      ['HighLoad', 'resolved', 'f0cacca025ff1cb6', '2025-03-14T09:43:30.000Z'],
      ['DiskFull', 'resolved', '4dbace756ef84ad5', '2025-03-14T09:41:03.250Z'],
    ]);
  });

  it('falls back sensibly when annotations, alertname and severity are missing', () => {
    const [a] = fromAlertmanager(am([{ status: 'firing', labels: { job: 'node' } }], { externalURL: 'http://am.example.com' }), opts);
    expect(a).toEqual({ source: 'alertmanager', name: 'unnamed', severity: 'warning', status: 'firing', labels: { job: 'node' }, summary: 'unnamed', url: 'http://am.example.com' });
  });

  it('uses message, then description, as the summary when there is no summary annotation', () => {
    const [m] = fromAlertmanager(am([amAlert({ annotations: { message: 'disk is full', description: 'more words' } })]), opts);
    expect(m).toMatchObject({ summary: 'disk is full', text: 'more words' });
    const [d] = fromAlertmanager(am([amAlert({ annotations: { description: 'only a description' } })]), opts);
    expect(d!.summary).toBe('only a description');
    expect(d).not.toHaveProperty('text');
  });

  it('maps "urgent" to critical', () => {
    const [a] = fromAlertmanager(am([amAlert({ labels: { alertname: 'X', severity: 'urgent' } })]), opts);
    expect(a!.severity).toBe('critical');
    expect(fromGeneric({ title: 'X', severity: 'Urgent' }, opts)[0]!.severity).toBe('critical');
  });

  it('takes the severity from a priority label when there is no severity label', () => {
    const [a] = fromAlertmanager(am([amAlert({ labels: { alertname: 'X', priority: 'P1' } })]), opts);
    expect(a!.severity).toBe('critical');
  });

  it('maps an unknown severity word to warning rather than rejecting the alert', () => {
    const [a] = fromAlertmanager(am([amAlert({ labels: { alertname: 'X', severity: 'sev-unknown' } })]), opts);
    expect(a!.severity).toBe('warning');
  });

  it('accepts extra fields a newer Alertmanager may send', () => {
    expect(fromAlertmanager(am([amAlert({ newField: { a: 1 } })], { somethingNew: true }), opts)).toHaveLength(1);
  });

  it('accepts an empty group', () => {
    expect(fromAlertmanager(am([]), opts)).toEqual([]);
  });

  it('uses the configured host labels', () => {
    const [a] = fromAlertmanager(am([amAlert({ labels: { alertname: 'X', instance: 'web01:9100', node: 'db12' } })]), { hostLabels: ['node', 'instance'] });
    expect(a!.host).toBe('db12');
  });

  describe('rejects garbage with an InputError naming the field', () => {
    it.each<[string, unknown, string]>([
      ['null', null, ''],
      ['a string', 'firing', ''],
      ['a number', 42, ''],
      ['an array', [amAlert()], ''],
      ['no version', { alerts: [amAlert()] }, 'version'],
      ['version "3"', am([amAlert()], { version: '3' }), 'version'],
      ['version 4 as a number', am([amAlert()], { version: 4 }), 'version'],
      ['no alerts', { version: '4' }, 'alerts'],
      ['alerts not an array', am([], { alerts: { 0: amAlert() } }), 'alerts'],
      ['an alert that is not an object', am([amAlert(), 'DiskFull']), 'alerts.1'],
      ['an alert without status', am([{ labels: { alertname: 'X' } }]), 'alerts.0.status'],
      ['an unknown status', am([amAlert(), amAlert(), amAlert({ status: 'pending' })]), 'alerts.2.status'],
      ['an alert without labels', am([{ status: 'firing' }]), 'alerts.0.labels'],
      ['labels as an array', am([amAlert({ labels: ['a=b'] })]), 'alerts.0.labels'],
      ['a label with a number value', am([amAlert({ labels: { alertname: 'X', port: 9100 } })]), 'alerts.0.labels.port'],
      ['a label with a null value', am([amAlert({ labels: { alertname: 'X', team: null } })]), 'alerts.0.labels.team'],
      ['a label with an object value', am([amAlert({ labels: { alertname: { nested: 'x' } } })]), 'alerts.0.labels.alertname'],
      ['an annotation with a boolean value', am([amAlert({ annotations: { summary: true } })]), 'alerts.0.annotations.summary'],
      ['startsAt that is not a time', am([amAlert({ startsAt: 'yesterday' })]), 'alerts.0.startsAt'],
      ['endsAt as a number', am([amAlert({ endsAt: 1710400000 })]), 'alerts.0.endsAt'],
      ['generatorURL as a number', am([amAlert({ generatorURL: 1 })]), 'alerts.0.generatorURL'],
      ['a fingerprint over 200 characters', am([amAlert({ fingerprint: 'f'.repeat(201) })]), 'alerts.0.fingerprint'],
      ['status of the group not firing/resolved', am([amAlert()], { status: 'on fire' }), 'status'],
    ])('%s', (_what, body, field) => {
      const e = inputError(() => fromAlertmanager(body, opts));
      expect(e.field).toBe(field);
      if (field) expect(e.message.startsWith(`${field}: `)).toBe(true);
    });

    it('says which version it expects', () => {
      expect(inputError(() => fromAlertmanager(am([], { version: '3' }), opts)).message).toBe('version: expected "4" (Alertmanager webhook payload version 4)');
    });

    it('more than 10,000 alerts in one request', () => {
      const alerts = Array.from({ length: 10_001 }, () => amAlert());
      expect(inputError(() => fromAlertmanager(am(alerts), opts))).toEqual({ field: 'alerts', message: 'alerts: at most 10000 alerts per request' });
      expect(fromAlertmanager(am(alerts.slice(1)), opts)).toHaveLength(10_000);
    });
  });
});

describe('fromGrafana', () => {
  it('turns the documented firing payload into inputs from source grafana', () => {
    const inputs = fromGrafana(fixture('grafana-firing.json'), opts);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toEqual({
      source: 'grafana',
      fingerprint: '5f1c2b8e7a9d3c40',
      name: 'HighCPU',
      severity: 'critical',
      status: 'firing',
      host: 'web01',
      summary: 'CPU usage on web01:9100 is 93%',
      text: 'CPU usage has been above 90% for 5 minutes.',
      labels: { alertname: 'HighCPU', grafana_folder: 'Infra', instance: 'web01:9100', severity: 'critical', team: 'ops' },
      url: 'https://grafana.example.com/alerting/grafana/be8tq2wm1xkaoc/view?orgId=1',
      startsAt: new Date('2025-03-14T09:20:10Z'),
    });
    expect(inputs[1]).toMatchObject({ host: 'db1', fingerprint: 'a03e6d914b27f58c', summary: 'CPU usage on db1:9100 is 91%' });
  });

  it('reads the resolved payload', () => {
    const inputs = fromGrafana(fixture('grafana-resolved.json'), opts);
    expect(inputs.map((a) => [a.status, a.endsAt?.toISOString()])).toEqual([
      ['resolved', '2025-03-14T09:47:10.000Z'],
      ['resolved', '2025-03-14T09:46:10.000Z'],
    ]);
  });

  it('does not insist on a version (Grafana sends "1")', () => {
    const body = fixture('grafana-firing.json');
    delete body.version;
    expect(fromGrafana(body, opts)).toHaveLength(2);
  });

  it.each<[string, unknown, string]>([
    ['null', null, ''],
    ['no alerts', { status: 'firing' }, 'alerts'],
    ['a value string that is not a string', { alerts: [amAlert({ valueString: { A: 1 } })] }, 'alerts.0.valueString'],
    ['a panel URL that is not a string', { alerts: [amAlert(), amAlert({ panelURL: 4 })] }, 'alerts.1.panelURL'],
    ['a label with a non-string value', { alerts: [amAlert({ labels: { alertname: 'HighCPU', cpu: 3 } })] }, 'alerts.0.labels.cpu'],
    ['a missing status', { alerts: [{ labels: {} }] }, 'alerts.0.status'],
  ])('rejects %s with the field named', (_what, body, field) => {
    expect(inputError(() => fromGrafana(body, opts)).field).toBe(field);
  });

  it('rejects more than 10,000 alerts', () => {
    expect(inputError(() => fromGrafana({ alerts: Array.from({ length: 10_001 }, () => amAlert()) }, opts)).field).toBe('alerts');
  });
});

describe('fromGeneric', () => {
  it('reads one alert object', () => {
    expect(fromGeneric({ title: 'Backup failed', severity: 'error', host: 'db12', text: 'pg_dump exited 1', url: 'https://ci.example.com/42' }, opts)).toEqual([
      { source: 'api', name: 'Backup failed', severity: 'error', status: 'firing', host: 'db12', summary: 'Backup failed', text: 'pg_dump exited 1', url: 'https://ci.example.com/42', labels: { host: 'db12' } },
    ]);
  });

  it('reads an array of alerts, with status, source, labels and fingerprint', () => {
    const inputs = fromGeneric(
      [
        { title: 'Backup failed', severity: 'CRIT', status: 'resolved', source: 'backup-cron', fingerprint: 'backup-db12' },
        { title: 'Queue deep', severity: 'warn', labels: { alertname: 'QueueDepth', instance: 'mq1:15692', team: 'ops' } },
      ],
      opts,
    );
    expect(inputs[0]).toEqual({ source: 'backup-cron', name: 'Backup failed', severity: 'critical', status: 'resolved', summary: 'Backup failed', fingerprint: 'backup-db12', labels: {} });
    // The alertname label names the alert; the host comes from the labels without its port.
    expect(inputs[1]).toEqual({
      source: 'api',
      name: 'QueueDepth',
      severity: 'warning',
      status: 'firing',
      host: 'mq1',
      summary: 'Queue deep',
      labels: { alertname: 'QueueDepth', instance: 'mq1:15692', team: 'ops', host: 'mq1' },
    });
  });

  it('strips a port from the host field and trims the title', () => {
    const [a] = fromGeneric({ title: '  Disk full  ', severity: 'critical', host: ' web01:9100 ' }, opts);
    expect(a).toMatchObject({ name: 'Disk full', summary: 'Disk full', host: 'web01', labels: { host: 'web01' } });
  });

  it('keeps a host label the sender gave over the host field', () => {
    const [a] = fromGeneric({ title: 'X', severity: 'info', host: 'web01', labels: { host: 'web01.example.net' } }, opts);
    expect(a!.host).toBe('web01');
    expect(a!.labels.host).toBe('web01.example.net');
  });

  describe('rejects garbage with an InputError naming the field', () => {
    const ok = { title: 'Disk full', severity: 'critical' };
    it.each<[string, unknown, string]>([
      ['null', null, ''],
      ['a string', 'Disk full', ''],
      ['an array of numbers', [1, 2], '0'],
      ['no title', { severity: 'critical' }, 'title'],
      ['a blank title', { title: '   ', severity: 'critical' }, 'title'],
      ['a title over 500 characters', { title: 'x'.repeat(501), severity: 'critical' }, 'title'],
      ['a numeric title', { title: 5, severity: 'critical' }, 'title'],
      ['no severity', { title: 'Disk full' }, 'severity'],
      ['an unknown severity', { ...ok, severity: 'sev-unknown' }, 'severity'],
      ['an unknown status', { ...ok, status: 'ok' }, 'status'],
      ['a host over 255 characters', { ...ok, host: 'h'.repeat(256) }, 'host'],
      ['text over 10,000 characters', { ...ok, text: 't'.repeat(10_001) }, 'text'],
      ['a label with a non-string value', { ...ok, labels: { team: ['ops'] } }, 'labels.team'],
      ['a source with spaces', { ...ok, source: 'my script' }, 'source'],
      ['a URL that is not one', { ...ok, url: 'not a url' }, 'url'],
      ['the third item of an array', [ok, ok, { ...ok, severity: 'loud' }], '2.severity'],
    ])('%s', (_what, body, field) => {
      const e = inputError(() => fromGeneric(body, opts));
      expect(e.field).toBe(field);
    });

    it('an unknown field (a misspelt key is an error, and the error names it)', () => {
      expect(inputError(() => fromGeneric({ ...ok, sevrity: 'critical' }, opts)).field).toBe('sevrity');
      expect(inputError(() => fromGeneric([ok, { ...ok, hots: 'web01' }], opts)).field).toBe('1.hots');
    });

    it('more than 10,000 alerts', () => {
      const e = inputError(() => fromGeneric(Array.from({ length: 10_001 }, () => ok), opts));
      expect(e.message).toBe('at most 10000 alerts per request');
      expect(fromGeneric(Array.from({ length: 10_000 }, () => ok), opts)).toHaveLength(10_000);
    });
  });
});

describe('hostFromLabels', () => {
  it.each<[Record<string, string>, string | undefined]>([
    [{ host: 'web01' }, 'web01'],
    [{ hostname: 'web01.example.net' }, 'web01.example.net'],
    [{ instance: 'web01:9100' }, 'web01'],
    [{ instance: 'web01.example.net:9100' }, 'web01.example.net'],
    [{ instance: '10.2.0.11:9100' }, '10.2.0.11'],
    [{ instance: '[2001:db8::11]:9100' }, '2001:db8::11'],
    [{ instance: '[2001:db8::11]' }, '2001:db8::11'],
    [{ instance: '2001:db8::11' }, '2001:db8::11'],
    [{ instance: '::1' }, '::1'],
    [{ instance: 'web01' }, 'web01'],
    [{ instance: '  web01:9100  ' }, 'web01'],
    // first configured label that is set wins: host, hostname, instance
    [{ instance: 'db1:9100', hostname: 'db2', host: 'db3' }, 'db3'],
    [{ instance: 'db1:9100', hostname: 'db2' }, 'db2'],
    [{ host: '', instance: 'db1:9100' }, 'db1'],
    [{ host: '   ', hostname: 'db2' }, 'db2'],
    [{ job: 'node' }, undefined],
    [{}, undefined],
  ])('%j → %s', (labels, host) => {
    expect(hostFromLabels(labels)).toBe(host);
  });

  it('uses the label names it is given, in their order', () => {
    expect(hostFromLabels({ host: 'a', node: 'b:1' }, ['node', 'host'])).toBe('b');
    expect(hostFromLabels({ host: 'a' }, ['node'])).toBeUndefined();
  });

  it('stripPort leaves what is not host:port alone', () => {
    expect(stripPort('web01:http')).toBe('web01:http');
    expect(stripPort('fe80::1:9100')).toBe('fe80::1:9100');
  });
});

describe('severities', () => {
  it.each<[string, string | null]>([
    ['critical', 'critical'],
    ['CRIT', 'critical'],
    [' Fatal ', 'critical'],
    ['page', 'critical'],
    ['P1', 'critical'],
    ['disaster', 'critical'],
    ['error', 'error'],
    ['err', 'error'],
    ['high', 'error'],
    ['major', 'error'],
    ['warning', 'warning'],
    ['Warn', 'warning'],
    ['average', 'warning'],
    ['minor', 'warning'],
    ['info', 'info'],
    ['notice', 'info'],
    ['debug', 'info'],
    ['ok', 'info'],
    ['p5', 'info'],
    ['urgent', 'critical'],
    ['sev-unknown', null],
    ['', null],
  ])('%j → %s', (word, severity) => {
    expect(severityOf(word)).toBe(severity);
  });

  it('ranks critical first and unknown words last', () => {
    expect(['info', 'bogus', 'critical', 'warning', 'error'].sort((a, b) => severityRank(a) - severityRank(b))).toEqual(['critical', 'error', 'warning', 'info', 'bogus']);
  });
});

describe('labelsFingerprint', () => {
  it('does not depend on label order', () => {
    expect(labelsFingerprint('api', { alertname: 'DiskFull', host: 'web01', mountpoint: '/' })).toBe(labelsFingerprint('api', { mountpoint: '/', host: 'web01', alertname: 'DiskFull' }));
  });

  it('is 16 hex digits and stable across calls', () => {
    const f = labelsFingerprint('api', { a: '1' });
    expect(f).toMatch(/^[0-9a-f]{16}$/);
    expect(labelsFingerprint('api', { a: '1' })).toBe(f);
  });

  it('differs by source, by value, by key, and by an added label', () => {
    const base = labelsFingerprint('api', { alertname: 'DiskFull', host: 'web01' });
    expect(labelsFingerprint('nagios', { alertname: 'DiskFull', host: 'web01' })).not.toBe(base);
    expect(labelsFingerprint('api', { alertname: 'DiskFull', host: 'web02' })).not.toBe(base);
    expect(labelsFingerprint('api', { alertname: 'DiskFull', hostname: 'web01' })).not.toBe(base);
    expect(labelsFingerprint('api', { alertname: 'DiskFull', host: 'web01', team: 'ops' })).not.toBe(base);
  });

  it('does not confuse a key boundary with a value boundary', () => {
    expect(labelsFingerprint('api', { ab: 'c' })).not.toBe(labelsFingerprint('api', { a: 'bc' }));
  });
});

describe('detectSource', () => {
  it.each<[string, string, unknown]>([
    ['the Alertmanager fixture', 'alertmanager', fixture('alertmanager-firing.json')],
    ['the Grafana fixture', 'grafana', fixture('grafana-firing.json')],
    ['a generic alert', 'generic', { title: 'Disk full', severity: 'critical' }],
    ['an array of generic alerts', 'generic', [{ title: 'Disk full', severity: 'critical' }]],
    ['a log line', 'logs', { host: 'web01', level: 'error', message: 'boom' }],
    ['an array of log lines', 'logs', [{ host: 'web01', level: 'error', message: 'boom' }]],
    ['an empty array', 'generic', []],
    ['null', 'generic', null],
    ['a string', 'generic', 'hello'],
    // Grafana says version "1" or names its org; anything else with alerts is Alertmanager's.
    ['alerts with version "1"', 'grafana', { version: '1', alerts: [] }],
    ['alerts with an orgId', 'grafana', { orgId: 1, alerts: [] }],
    ['alerts with an orgId and version "4"', 'grafana', { version: '4', orgId: 1, alerts: [] }],
    ['alerts with version "4"', 'alertmanager', { version: '4', alerts: [] }],
    ['alerts with version "3"', 'alertmanager', { version: '3', alerts: [] }],
    ['alerts without a version', 'alertmanager', { alerts: [] }],
  ])('%s → %s', (_what, source, body) => {
    expect(detectSource(body)).toBe(source);
  });

  it('the Grafana fixture without its version is still Grafana (it names its org)', () => {
    const body = fixture('grafana-firing.json');
    delete body.version;
    expect(detectSource(body)).toBe('grafana');
  });

  it('an Alertmanager payload of another version is reported as an invalid Alertmanager payload, not read as Grafana', () => {
    const body = { ...fixture('alertmanager-firing.json'), version: '3' };
    expect(detectSource(body)).toBe('alertmanager');
    expect(inputError(() => fromAlertmanager(body, opts))).toEqual({ field: 'version', message: 'version: expected "4" (Alertmanager webhook payload version 4)' });
  });
});
