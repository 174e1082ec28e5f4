import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { describeMatchers, parseMatcher, SilenceStore } from '../../src/domain/alerts/silences.js';
import { compilePattern, patternError, subjectValue, type Subject } from '../../src/domain/routing/pattern.js';
import { Routes, type RouteRule } from '../../src/domain/routing/routes.js';
import { InputError } from '../../src/errors.js';
import { Router, type Handler } from '../../src/http/router.js';
import { migrationsDir } from '../../src/paths.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import type { Sql } from '../../src/store/sql.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { thrownBy } from '../helpers/thrown.js';

function alertSubject(over: Partial<Subject> = {}): Subject {
  return {
    kind: 'alert',
    source: 'alertmanager',
    severity: 'critical',
    host: 'web01',
    alertname: 'DiskFull',
    labels: { alertname: 'DiskFull', instance: 'web01:9100', team: 'ops', mountpoint: '/' },
    message: 'Disk / on web01 is 97% full',
    ...over,
  };
}

function logSubject(over: Partial<Subject> = {}): Subject {
  return { kind: 'log', source: 'syslog', severity: 'error', host: 'app03', labels: { level: 'err' }, message: 'kernel: Out of memory: Killed process 1234', ...over };
}

const route = (rules: RouteRule[], s: Subject, defaults: string[] = ['irc:#default']) => new Routes(rules, defaults).route(s);

describe('Routes', () => {
  it('first match wins', () => {
    const rules: RouteRule[] = [
      { match: { severity: 'critical' }, to: ['irc:#ops'] },
      { match: { severity: 'critical' }, to: ['irc:#second'] },
      { to: ['irc:#alerts'] },
    ];
    expect(route(rules, alertSubject())).toEqual({ channels: ['irc:#ops'], matched: [0] });
    expect(route(rules, alertSubject({ severity: 'warning' }))).toEqual({ channels: ['irc:#alerts'], matched: [2] });
  });

  it('`continue: true` lets later rules add channels, without duplicates, in order', () => {
    const rules: RouteRule[] = [
      { match: { severity: 'critical' }, to: ['irc:#ops', 'slack:#incidents'], continue: true },
      { match: { team: 'db' }, to: ['slack:#db'] },
      { match: { host: 'web*' }, to: ['irc:#ops', 'slack:#web'], continue: true },
      { to: ['irc:#alerts'] },
      { to: ['irc:#never'] },
    ];
    expect(route(rules, alertSubject())).toEqual({ channels: ['irc:#ops', 'slack:#incidents', 'slack:#web', 'irc:#alerts'], matched: [0, 2, 3] });
  });

  it('a subject only a `continue` rule matched does not also go to the default', () => {
    const r = route([{ match: { severity: 'critical' }, to: ['irc:#ops'], continue: true }], alertSubject());
    expect(r).toEqual({ channels: ['irc:#ops'], matched: [0] });
  });

  it('a subject no rule matches goes to the default channels', () => {
    const rules: RouteRule[] = [{ match: { severity: 'critical' }, to: ['irc:#ops'] }];
    expect(route(rules, alertSubject({ severity: 'info' }), ['irc:#alerts', 'console'])).toEqual({ channels: ['irc:#alerts', 'console'], matched: ['default'] });
    expect(route([], alertSubject(), [])).toEqual({ channels: [], matched: ['default'] });
  });

  it('a rule without match (or an empty one) matches everything', () => {
    expect(route([{ to: ['irc:#all'] }], logSubject()).channels).toEqual(['irc:#all']);
    expect(route([{ match: {}, to: ['irc:#all'] }], alertSubject()).channels).toEqual(['irc:#all']);
  });

  it('every key of a match must hold', () => {
    const rules: RouteRule[] = [{ match: { severity: 'critical', host: 'db*' }, to: ['irc:#db'] }];
    expect(route(rules, alertSubject()).matched).toEqual(['default']);
    expect(route(rules, alertSubject({ host: 'db12' })).channels).toEqual(['irc:#db']);
  });

  describe('labels', () => {
    it('exact value', () => {
      const rules: RouteRule[] = [{ match: { labels: { team: 'ops' } }, to: ['irc:#ops'] }];
      expect(route(rules, alertSubject()).channels).toEqual(['irc:#ops']);
      expect(route(rules, alertSubject({ labels: { team: 'opsec' } })).matched).toEqual(['default']);
      expect(route(rules, alertSubject({ labels: {} })).matched).toEqual(['default']);
    });

    it('glob, matching the whole value and ignoring case', () => {
      const rules: RouteRule[] = [{ match: { labels: { instance: 'WEB0?:*' } }, to: ['irc:#web'] }];
      expect(route(rules, alertSubject()).channels).toEqual(['irc:#web']);
      expect(route(rules, alertSubject({ labels: { instance: 'myweb01:9100' } })).matched).toEqual(['default']);
      expect(route(rules, alertSubject({ labels: { instance: 'web010:9100' } })).matched).toEqual(['default']);
    });

    it('/regex/, unanchored unless it says so', () => {
      expect(route([{ match: { labels: { instance: '/^db[0-9]+:/' } }, to: ['irc:#db'] }], alertSubject({ labels: { instance: 'db12:9100' } })).channels).toEqual(['irc:#db']);
      expect(route([{ match: { labels: { instance: '/^db[0-9]+:/' } }, to: ['irc:#db'] }], alertSubject({ labels: { instance: 'mydb12:9100' } })).matched).toEqual(['default']);
      expect(route([{ match: { labels: { instance: '/db/' } }, to: ['irc:#db'] }], alertSubject({ labels: { instance: 'mydb12:9100' } })).channels).toEqual(['irc:#db']);
    });

    it('a label key at the top level of match works like one under labels', () => {
      expect(route([{ match: { mountpoint: '/' }, to: ['irc:#disk'] }], alertSubject()).channels).toEqual(['irc:#disk']);
    });

    it('a missing label never matches, not even `*`', () => {
      expect(route([{ match: { labels: { team: '*' } }, to: ['irc:#t'] }], alertSubject({ labels: {} })).matched).toEqual(['default']);
    });
  });

  it('a list is any-of', () => {
    const rules: RouteRule[] = [{ match: { severity: ['critical', 'error'] }, to: ['irc:#ops'] }];
    expect(route(rules, alertSubject()).channels).toEqual(['irc:#ops']);
    expect(route(rules, alertSubject({ severity: 'error' })).channels).toEqual(['irc:#ops']);
    expect(route(rules, alertSubject({ severity: 'warning' })).matched).toEqual(['default']);
    const mixed: RouteRule[] = [{ match: { host: ['db*', '/^web0[12]$/'] }, to: ['irc:#x'] }];
    expect(route(mixed, alertSubject({ host: 'web02' })).channels).toEqual(['irc:#x']);
    expect(route(mixed, alertSubject({ host: 'web03' })).matched).toEqual(['default']);
  });

  it('message by regex and by glob, over a multi-line message', () => {
    expect(route([{ match: { message: '/out of memory/' }, to: ['irc:#oom'] }], logSubject()).channels).toEqual(['irc:#oom']);
    expect(route([{ match: { message: '*Killed*' }, to: ['irc:#oom'] }], logSubject({ message: 'first line\nKilled process 1\nlast' })).channels).toEqual(['irc:#oom']);
    expect(route([{ match: { message: '/oom-killer/' }, to: ['irc:#oom'] }], logSubject()).matched).toEqual(['default']);
  });

  it('kind separates alerts from log lines', () => {
    const rules: RouteRule[] = [
      { match: { kind: 'log' }, to: ['irc:#logs'] },
      { match: { kind: 'alert' }, to: ['irc:#alerts'] },
    ];
    expect(route(rules, logSubject()).channels).toEqual(['irc:#logs']);
    expect(route(rules, alertSubject()).channels).toEqual(['irc:#alerts']);
  });

  it('source, alertname and its alias name', () => {
    expect(route([{ match: { source: 'grafana' }, to: ['irc:#g'] }], alertSubject({ source: 'grafana' })).channels).toEqual(['irc:#g']);
    expect(route([{ match: { alertname: 'Disk*' }, to: ['irc:#d'] }], alertSubject()).channels).toEqual(['irc:#d']);
    expect(route([{ match: { name: 'diskfull' }, to: ['irc:#d'] }], alertSubject()).channels).toEqual(['irc:#d']);
  });

  it('host falls back to the host label when the subject has no host', () => {
    const rules: RouteRule[] = [{ match: { host: 'web01' }, to: ['irc:#web'] }];
    const { host: _, ...noHost } = alertSubject();
    expect(route(rules, { ...noHost, labels: { host: 'web01' } }).channels).toEqual(['irc:#web']);
    expect(route(rules, { ...noHost, labels: {} }).matched).toEqual(['default']);
  });
});

describe('subjectValue', () => {
  it('reads the fixed keys, then labels', () => {
    const s = alertSubject();
    expect(subjectValue(s, 'kind')).toBe('alert');
    expect(subjectValue(s, 'source')).toBe('alertmanager');
    expect(subjectValue(s, 'severity')).toBe('critical');
    expect(subjectValue(s, 'host')).toBe('web01');
    expect(subjectValue(s, 'alertname')).toBe('DiskFull');
    expect(subjectValue(s, 'message')).toBe('Disk / on web01 is 97% full');
    expect(subjectValue(s, 'team')).toBe('ops');
    expect(subjectValue(s, 'nope')).toBeUndefined();
  });
});

describe('compilePattern', () => {
  it.each<[string, string, boolean]>([
    ['web01', 'web01', true],
    ['web01', 'WEB01', true],
    ['web01', 'web011', false],
    ['web0*', 'web01', true],
    ['web0*', 'web0', true],
    ['web0*', 'myweb01', false],
    ['*web*', 'myweb01', true],
    ['web?1', 'web01', true],
    ['web?1', 'web1', false],
    ['*', '', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['(x)+', 'xx', false],
    ['$HOME', '$HOME', true],
    ['[web]', '[web]', true],
    ['[web]', 'w', false],
    ['/^db\\d+$/', 'db12', true],
    ['/^db\\d+$/', 'DB12', true],
    ['/^db\\d+$/', 'db12a', false],
    ['/db/', 'mydb1', true],
    ['/', '/', true],
    ['/', 'x', false],
  ])('%j on %j → %s', (pattern, value, hit) => {
    expect(compilePattern(pattern)(value)).toBe(hit);
  });

  it('can be called many times (no state left in a /regex/)', () => {
    const p = compilePattern('/web/');
    expect([p('web01'), p('web01'), p('web01')]).toEqual([true, true, true]);
  });

  it('patternError names a bad regular expression, and passes globs and good ones', () => {
    expect(patternError('/[unclosed/')).toMatch(/^invalid regular expression \/\[unclosed\/: /);
    expect(patternError('/(/')).not.toBeNull();
    expect(patternError('[unclosed')).toBeNull();
    expect(patternError('web*')).toBeNull();
    expect(patternError('/^web\\d+$/')).toBeNull();
  });
});

describe('parseMatcher (silences)', () => {
  it.each<[string, { key: string; op: string; pattern: string }]>([
    ['host=web0*', { key: 'host', op: '=', pattern: 'web0*' }],
    ['host!=web0*', { key: 'host', op: '!=', pattern: 'web0*' }],
    ['instance=~db[0-9]+', { key: 'instance', op: '=~', pattern: 'db[0-9]+' }],
    ['alertname=DiskFull', { key: 'alertname', op: '=', pattern: 'DiskFull' }],
    ['label.with-dots_and-dashes=x', { key: 'label.with-dots_and-dashes', op: '=', pattern: 'x' }],
    ['summary=a=b', { key: 'summary', op: '=', pattern: 'a=b' }],
  ])('%s', (word, matcher) => {
    expect(parseMatcher(word)).toEqual(matcher);
    expect(describeMatchers([parseMatcher(word)!])).toBe(word);
  });

  it.each(['2h', 'reason', '=web01', 'host=', 'host!=', '9host=x', 'host:web01', ''])('%j is not a matcher', (word) => {
    expect(parseMatcher(word)).toBeNull();
  });

  it('a bad regular expression is an InputError naming the key', () => {
    const err = thrownBy(InputError, () => parseMatcher('instance=~db[0-9'));
    expect(err.field).toBe('instance');
    expect(err.message).toMatch(/^instance: invalid regular expression \/db\[0-9\/: /);
    expect(thrownBy(InputError, () => parseMatcher('alertname=~(')).field).toBe('alertname');
  });

  it('a glob with regex characters is not a regex error', () => {
    expect(parseMatcher('alertname=(')).toEqual({ key: 'alertname', op: '=', pattern: '(' });
  });

  it.each<[string, { key: string; op: string; pattern: string }]>([
    ['Host=web01', { key: 'host', op: '=', pattern: 'web01' }],
    ['ALERTNAME!=DiskFull', { key: 'alertname', op: '!=', pattern: 'DiskFull' }],
    ['Name=disk*', { key: 'name', op: '=', pattern: 'disk*' }],
    ['Severity=~crit.*', { key: 'severity', op: '=~', pattern: 'crit.*' }],
    ['SOURCE=grafana', { key: 'source', op: '=', pattern: 'grafana' }],
  ])('the fixed key of %s ignores case', (word, matcher) => {
    expect(parseMatcher(word)).toEqual(matcher);
  });

  it('a label name keeps its case (labels are case-sensitive)', () => {
    expect(parseMatcher('Instance=web01:9100')).toEqual({ key: 'Instance', op: '=', pattern: 'web01:9100' });
    expect(parseMatcher('Team=~OPS')).toEqual({ key: 'Team', op: '=~', pattern: 'OPS' });
  });

  it('a bad regular expression under a fixed key names the key as it is stored', () => {
    expect(thrownBy(InputError, () => parseMatcher('AlertName=~(')).field).toBe('alertname');
  });
});

describe('silence matching', () => {
  let db: Sql;
  let store: SilenceStore;
  beforeEach(async () => {
    db = openSqlite(':memory:');
    await migrate(db, readMigrations(migrationsDir('sqlite')));
    store = new SilenceStore(db, fixedClock('2026-11-25T12:00:00Z'));
  });
  afterEach(async () => {
    await db.close();
  });

  /** Whether a silence made of these words covers the subject. */
  const covers = async (words: string[], s: Subject): Promise<boolean> => {
    const sil = await store.add(words.map((w) => parseMatcher(w)!), 3_600_000, 'test', null);
    const hit = (await store.find(s))?.id === sil.id;
    await store.remove(sil.id, 'test');
    return hit;
  };

  it.each<[string, string, boolean]>([
    // =~ must match the whole value, as in Alertmanager.
    ['instance=~web0', 'web01:9100', false],
    ['instance=~web0', 'myweb01:9100', false],
    ['instance=~web0.*', 'web01:9100', true],
    ['instance=~web0.*', 'myweb01:9100', false],
    ['instance=~.*web0.*', 'myweb01:9100', true],
    ['instance=~web01:9100', 'web01:9100', true],
    ['instance=~web01:9100', 'web01:91000', false],
    // An alternation is anchored as a whole, not only its first and last branch.
    ['instance=~db12:.*|web01', 'web01:9100', false],
    ['instance=~db12:.*|web01', 'db12:9100', true],
    ['instance=~web01|db12:.*', 'xweb01', false],
    // Anchors written out do no harm.
    ['instance=~^db[0-9]+:.*$', 'db12:9100', true],
    // Regex values ignore case, as globs do.
    ['instance=~WEB0.*', 'web01:9100', true],
  ])('%s on instance=%s → %s', async (word, instance, hit) => {
    expect(await covers([word], alertSubject({ labels: { instance } }))).toBe(hit);
  });

  it('fixed keys in any case match the subject; a label name in another case does not', async () => {
    expect(await covers(['Host=web01', 'AlertName=DiskFull', 'SEVERITY=critical', 'Source=alertmanager'], alertSubject())).toBe(true);
    expect(await covers(['Host=web02'], alertSubject())).toBe(false);
    expect(await covers(['Team=ops'], alertSubject())).toBe(false);
    expect(await covers(['team=ops'], alertSubject())).toBe(true);
  });
});

describe('Router (HTTP)', () => {
  const handler = (name: string): Handler => () => ({ status: 200, body: name });
  const byId = handler('by id');
  const alertmanager = handler('alertmanager');
  const list = handler('list');

  // Registered in both orders: the outcome must not depend on it.
  const routers = {
    'pattern first': () => new Router().add('GET', '/api/v1/alerts/:id', byId).add('GET', '/api/v1/alerts', list).add('POST', '/api/v1/alerts/alertmanager', alertmanager),
    'literal first': () => new Router().add('POST', '/api/v1/alerts/alertmanager', alertmanager).add('GET', '/api/v1/alerts', list).add('GET', '/api/v1/alerts/:id', byId),
  };

  describe.each(Object.entries(routers))('%s', (_order, make) => {
    it('a literal path wins over a :param path, even for another method', () => {
      const r = make();
      expect(r.match('GET', '/api/v1/alerts/alertmanager')).toBe('method');
      expect(r.match('POST', '/api/v1/alerts/alertmanager')).toEqual({ handler: alertmanager, params: {}, opts: {} });
      expect(r.match('GET', '/api/v1/alerts/alertmanager/')).toBe('method');
    });

    it('a :param path still takes what no literal path names', () => {
      const r = make();
      expect(r.match('GET', '/api/v1/alerts/42')).toEqual({ handler: byId, params: { id: '42' }, opts: {} });
      expect(r.match('HEAD', '/api/v1/alerts/42')).toEqual({ handler: byId, params: { id: '42' }, opts: {} });
      expect(r.match('GET', '/api/v1/alerts/web%2001')).toEqual({ handler: byId, params: { id: 'web 01' }, opts: {} });
      expect(r.match('DELETE', '/api/v1/alerts/42')).toBe('method');
      expect(r.match('GET', '/api/v1/alerts')).toEqual({ handler: list, params: {}, opts: {} });
      expect(r.match('GET', '/api/v1/alerts/42/history')).toBeNull();
      expect(r.match('GET', '/api/v2/alerts')).toBeNull();
    });
  });
});
