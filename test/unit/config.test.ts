import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_EXIT_CODE, interpolateEnv, loadConfig, parseConfig } from '../../src/config/load.js';
import { FatalError } from '../../src/errors.js';
import { thrownBy } from '../helpers/thrown.js';

const fatalOf = (f: () => unknown) => thrownBy(FatalError, f);

const problemsOf = (raw: unknown, env: NodeJS.ProcessEnv = {}) => fatalOf(() => parseConfig(raw, env)).message.split('\n');

describe('parseConfig defaults', () => {
  it('an empty document gives the documented defaults', () => {
    const c = parseConfig({}, {});
    expect(c.database).toBe('./data/opsbridge.db');
    expect(c.http.listen).toBe('127.0.0.1:8080');
    expect(c.http.token).toBeUndefined();
    expect(c.commands.prefix).toBe('!');
    expect(c.roles).toEqual({ default: 'viewer', admin: [], operator: [], viewer: [] });
    expect(c.log.level).toBe('info');
    expect(c.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('a partial section keeps the defaults of its other keys', () => {
    const c = parseConfig({ http: { token: 'x'.repeat(16) }, roles: { admin: ['console'] } }, {});
    expect(c.http).toEqual({ listen: '127.0.0.1:8080', token: 'x'.repeat(16), max_body_bytes: 1024 * 1024 });
    expect(c.roles).toEqual({ default: 'viewer', admin: ['console'], operator: [], viewer: [] });
  });

  it('a full valid config comes back as written', () => {
    const raw = {
      database: '/var/lib/opsbridge/db.sqlite',
      timezone: 'Asia/Tokyo',
      log: { level: 'debug' },
      http: { listen: '[::1]:9000', token: 'a-very-long-secret-token', public_url: 'https://ops.example.com', max_body_bytes: 2048 },
      commands: { prefix: '.' },
      roles: { default: 'operator', admin: ['console', 'irc:account:alice', 'slack:U024BE7LH'], operator: ['irc:account:bob'], viewer: [] },
      logs: { routes: [{ match: { host: 'app*', message: '/panic|fatal/' }, to: ['irc:#logs'], continue: false }], default: [] },
      syslog: { udp: '127.0.0.1:5514', tcp: '127.0.0.1:5514' },
      tail: [{ path: '/var/log/app/error.log', to: ['irc:#logs'], level: 'error' }],
      git: {
        repos: [{ name: 'team/app', default_branch: 'trunk', channel: 'irc:#dev', secret: 'webhook-secret', commit_url: 'https://git.example.com/app/commit/{sha}' }],
        keywords: { link: ['refs'], close: ['fixes', 'closes'] },
        max_push_bytes: 4096,
      },
      board: { enabled: true, token: 'board-token-0123456789', basic: { user: 'ops', password: 'correct horse' } },
      node: 'web-a',
    };
    const maintenance = { channels: ['irc:#ops'], lead_time: '10m', overdue_every: '1h' };
    const tickets = { previews: ['irc:#ops'], preview_every: '5m', digest: { cron: '0 9 * * 1-5', channels: ['irc:#ops'], stale_after: '3d' } };
    const leadership = { lease: '10s', renew_every: '2s', stop_sending_after: '7s', announce: ['irc:#ops'] };
    const { alerts, maintenance: m, tickets: t, leadership: l, retention: r, ...rest } = parseConfig({ ...raw, maintenance, tickets, leadership, retention: { log_lines: '7d', max_log_rows: 5_000_000, closed_tickets: 'keep' }, alerts: { dedup_window: '10m', repeat_interval: '0s', routes: [{ match: { severity: ['critical', 'error'], labels: { team: 'db' } }, to: ['slack:#incidents'], continue: true }] } }, {});
    expect(rest).toEqual({ ...raw, bridges: [], people: [] });
    expect(m).toEqual({ channels: ['irc:#ops'], lead_time: 600_000, overdue_every: 3_600_000 });
    expect(r).toEqual({ log_lines: 7 * 86_400_000, max_log_rows: 5_000_000, resolved_alerts: 180 * 86_400_000, delivered_outbox: 7 * 86_400_000, git_pushes: 365 * 86_400_000, status_history: null, closed_tickets: null });
    expect(l).toEqual({ lease: 10_000, renew_every: 2_000, stop_sending_after: 7_000, announce: ['irc:#ops'] });
    expect(t).toEqual({ previews: ['irc:#ops'], preview_every: 300_000, digest: { cron: '0 9 * * 1-5', channels: ['irc:#ops'], stale_after: 3 * 86_400_000 } });
    expect(alerts).toEqual({
      host_labels: ['host', 'hostname', 'instance'],
      dedup_window: 600_000,
      repeat_interval: 0,
      digest_after: 10_000,
      routes: [{ match: { severity: ['critical', 'error'], labels: { team: 'db' } }, to: ['slack:#incidents'], continue: true }],
      default: ['console'],
    });
  });
});

describe('parseConfig problems: one line per problem, each naming its key path', () => {
  it.each<[string, unknown, string[]]>([
    ['misspelt nested key', { http: { lisen: '0.0.0.0:80' } }, ['http.lisen: unknown key']],
    ['unknown top-level key', { databse: 'x.db' }, ['databse: unknown key']],
    ['unknown key deep in roles', { roles: { admins: [] } }, ['roles.admins: unknown key']],
    ['prefix is a number', { commands: { prefix: 5 } }, ['commands.prefix: expected a string, got 5']],
    ['database is a list', { database: ['a'] }, ['database: expected a string, got a list']],
    // A URL the bot cannot use is refused, never taken as a file path (it would become a directory named `mysql:`).
    ['database with another scheme', { database: 'mysql://ops:hunter2@db1/ops' }, ["database: unsupported URL scheme 'mysql://': use a file path for SQLite, or postgres://user@host/database"]],
    ['postgres URL without a host', { database: 'postgres:///opsbridge' }, ['database: is not a valid postgres:// URL: expected postgres://user@host[:port]/database']],
    ['postgres URL without a database', { database: 'postgres://ops:hunter2@db1:5432/' }, ['database: names no database: expected postgres://user@host[:port]/database']],
    ['lease shorter than the renewal', { leadership: { lease: '1s', renew_every: '2s' } }, ['leadership: needs renew_every < stop_sending_after < lease']],
    ['lease not a duration', { leadership: { lease: 'soon' } }, ['leadership.lease: expected a duration such as 30s, 5m or 2h, got "soon"']],
    ['node with a space', { node: 'web a' }, ['node: a host-like name: letters, digits, . _ -, got "web a"']],
    ['http is a string', { http: '127.0.0.1:80' }, ['http: expected an object, got "127.0.0.1:80"']],
    ['roles.admin is a string', { roles: { admin: 'console' } }, ['roles.admin: expected an array, got "console"']],
    ['bad default role', { roles: { default: 'root' } }, ['roles.default: expected one of "viewer", "operator", "admin", got "root"']],
    ['bad log level', { log: { level: 'loud' } }, [expect.stringMatching(/^log\.level: expected one of "fatal", .*"silent", got "loud"$/) as unknown as string]],
    ['listen without a port', { http: { listen: 'localhost' } }, ['http.listen: expected HOST:PORT, e.g. 127.0.0.1:8080, got "localhost"']],
    ['listen with a port too big', { http: { listen: '0.0.0.0:70000' } }, ['http.listen: expected HOST:PORT, e.g. 127.0.0.1:8080, got "0.0.0.0:70000"']],
    ['bad timezone', { timezone: 'Mars/Olympus' }, ['timezone: expected an IANA time zone such as Asia/Tokyo or UTC, got "Mars/Olympus"']],
    ['bad identity in roles.admin', { roles: { admin: ['console', 'alice'] } }, ['roles.admin[1]: expected an identity: console, irc:account:NAME or slack:UXXXXXXXX, got "alice"']],
    ['lower-case Slack id', { roles: { operator: ['slack:u024be7lh'] } }, [expect.stringMatching(/^roles\.operator\[0\]: expected an identity/) as unknown as string]],
    ['short token (its value is not echoed)', { http: { token: 'short' } }, ['http.token: must be at least 16 characters']],
    ['prefix with a space', { commands: { prefix: '! ' } }, ['commands.prefix: must not contain spaces, got "! "']],
    ['top level is a list', ['a'], ['(top level): expected an object, got a list']],
    ['route to a bad channel', { alerts: { routes: [{ to: ['#ops'] }] } }, [expect.stringMatching(/^alerts\.routes\[0\]\.to\[0\]: expected a channel address/) as unknown as string]],
    ['route with a broken regex', { alerts: { routes: [{ match: { message: '/(unclosed/' }, to: ['console'] }] } }, [expect.stringMatching(/^alerts\.routes\[0\]\.match\.message: invalid regular expression/) as unknown as string]],
    ['bad dedup window', { alerts: { dedup_window: 'soon' } }, ['alerts.dedup_window: expected a duration such as 30s, 5m or 2h, got "soon"']],
    ['syslog address without a port', { syslog: { udp: '127.0.0.1' } }, ['syslog.udp: expected HOST:PORT, e.g. 127.0.0.1:8080, got "127.0.0.1"']],
    ['tail without channels', { tail: [{ path: '/var/log/x' }] }, [expect.stringMatching(/^tail\[0\]\.to: /) as unknown as string]],
    ['two repositories with one name', { git: { repos: [{ name: 'app' }, { name: 'app' }] } }, ['git.repos: repository names must be unique']],
    ['commit_url without {sha}', { git: { repos: [{ name: 'app', commit_url: 'https://git.example.com/app' }] } }, ['git.repos[0].commit_url: must contain {sha}, got "https://git.example.com/app"']],
    ['short webhook secret (not echoed)', { git: { repos: [{ name: 'app', secret: 'short' }] } }, ['git.repos[0].secret: must be at least 8 characters']],
    ['keyword with a space', { git: { keywords: { close: ['fixes it'] } } }, ['git.keywords.close[0]: a keyword is a word, e.g. fixes, got "fixes it"']],
    ['digest with a bad cron', { tickets: { digest: { cron: '9am', channels: ['irc:#ops'] } } }, [expect.stringMatching(/^tickets\.digest\.cron: expected a cron expression/) as unknown as string]],
    ['board login with a colon in the user', { board: { basic: { user: 'a:b', password: 'long enough' } } }, ['board.basic.user: must not contain ":", got "a:b"']],
    ['short board token (not echoed)', { board: { token: 'short' } }, ['board.token: must be at least 16 characters']],
    ['digest without channels', { tickets: { digest: { cron: '0 9 * * *' } } }, [expect.stringMatching(/^tickets\.digest\.channels: /) as unknown as string]],
  ])('%s', (_name, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expected);
  });

  it('several problems give several lines, in any order, each with its path', () => {
    const lines = problemsOf({
      foo: 1,
      http: { lisen: 'x', listen: 'nope' },
      commands: { prefix: 5 },
      timezone: 'Nowhere/Town',
      roles: { admin: ['bob'] },
    });
    expect(lines).toHaveLength(6);
    expect(lines).toEqual(
      expect.arrayContaining([
        'foo: unknown key',
        'http.lisen: unknown key',
        expect.stringMatching(/^http\.listen: expected HOST:PORT/),
        'commands.prefix: expected a string, got 5',
        expect.stringMatching(/^timezone: expected an IANA time zone/),
        expect.stringMatching(/^roles\.admin\[0\]: expected an identity/),
      ]),
    );
  });

  it('exits with code 2', () => {
    const err = fatalOf(() => parseConfig({ nope: true }, {}));
    expect(CONFIG_EXIT_CODE).toBe(2);
    expect(err.exitCode).toBe(2);
  });
});

describe('environment interpolation', () => {
  it.each<[string, string, NodeJS.ProcessEnv, string]>([
    ['a set variable', '${DB}', { DB: '/srv/x.db' }, '/srv/x.db'],
    ['inside other text', '/srv/${NAME}/db.sqlite', { NAME: 'prod' }, '/srv/prod/db.sqlite'],
    ['two variables', '${A}-${B}', { A: '1', B: '2' }, '1-2'],
    ['fallback when unset', '${DB:-./fallback.db}', {}, './fallback.db'],
    ['fallback when empty', '${DB:-./fallback.db}', { DB: '' }, './fallback.db'],
    ['the variable wins over the fallback', '${DB:-./fallback.db}', { DB: '/set.db' }, '/set.db'],
    ['empty fallback', 'x${DB:-}y', {}, 'xy'],
    ['$${X} is a literal ${X}', '$${X}', { X: 'no' }, '${X}'],
    ['$${X:-d} is literal too', 'a$${X:-d}b', {}, 'a${X:-d}b'],
    ['a lone $ is kept', 'cost: $5', {}, 'cost: $5'],
    ['$VAR without braces is kept', '$HOME/x', { HOME: '/root' }, '$HOME/x'],
    ['a variable value is not interpolated again', '${A}', { A: '${B}', B: 'no' }, '${B}'],
  ])('%s', (_name, value, env, expected) => {
    expect(parseConfig({ database: value }, env).database).toBe(expected);
  });

  it('interpolates inside lists and nested objects', () => {
    const c = parseConfig({ http: { token: '${TOKEN}' }, roles: { admin: ['irc:account:${ADMIN}'] } }, { TOKEN: 't'.repeat(20), ADMIN: 'alice' });
    expect(c.http.token).toBe('t'.repeat(20));
    expect(c.roles.admin).toEqual(['irc:account:alice']);
  });

  it('leaves numbers, booleans and null alone', () => {
    const problems: string[] = [];
    expect(interpolateEnv({ a: 1, b: true, c: null, d: ['${X:-y}'] }, {}, [], problems)).toEqual({ a: 1, b: true, c: null, d: ['y'] });
    expect(problems).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['top-level key', { database: '${DB_PATH}' }, 'database: environment variable DB_PATH is not set'],
    ['nested key', { http: { token: '${OPSBRIDGE_TOKEN}' } }, 'http.token: environment variable OPSBRIDGE_TOKEN is not set'],
    ['list element', { roles: { admin: ['console', 'irc:account:${WHO}'] } }, 'roles.admin[1]: environment variable WHO is not set'],
  ])('a missing variable names the key path: %s', (_name, raw, start) => {
    const lines = problemsOf(raw, { OTHER: 'x' });
    const line = lines.find((l) => l.includes('environment variable'));
    expect(line?.startsWith(start)).toBe(true);
    // It says how to give a fallback.
    expect(line).toMatch(/:-default/);
  });

  it('does not read process.env when an env is passed', () => {
    const name = 'OPSBRIDGE_TEST_ONLY_IN_PROCESS_ENV';
    process.env[name] = '/from/process.db';
    try {
      expect(problemsOf({ database: '${' + name + '}' }, {})[0]).toMatch(new RegExp(`^database: environment variable ${name} is not set`));
    } finally {
      delete process.env[name];
    }
  });
});

describe('loadConfig', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'opsbridge-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a YAML file with interpolation', () => {
    const file = write(
      'ok.yaml',
      [
        'database: ${DATA:-/tmp}/ops.db',
        'timezone: Asia/Tokyo',
        'http:',
        '  listen: 0.0.0.0:9090',
        '  token: ${OPSBRIDGE_TOKEN}',
        'commands:',
        '  prefix: "!"',
        'roles:',
        '  admin: ["console", "irc:account:alice"]',
        '',
      ].join('\n'),
    );
    const { config, file: from } = loadConfig(file, { OPSBRIDGE_TOKEN: 'secret-token-0123456789' });
    expect(from).toBe(file);
    expect(config.database).toBe('/tmp/ops.db');
    expect(config.timezone).toBe('Asia/Tokyo');
    expect(config.http).toEqual({ listen: '0.0.0.0:9090', token: 'secret-token-0123456789', max_body_bytes: 1024 * 1024 });
    expect(config.roles.admin).toEqual(['console', 'irc:account:alice']);
    expect(config.roles.default).toBe('viewer');
  });

  it('an empty file or a comment-only file gives the defaults', () => {
    for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# nothing here\n']] as const) {
      const { config } = loadConfig(write(name, text), {});
      expect(config.database).toBe('./data/opsbridge.db');
      expect(config.http.listen).toBe('127.0.0.1:8080');
    }
  });

  it('a missing explicit path is a FatalError with exit code 2 naming the file', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const err = fatalOf(() => loadConfig(missing, {}));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(missing);
    expect(err.message).toMatch(/not found/);
  });

  it.each<[string, string]>([
    ['unclosed flow sequence', 'roles:\n  admin: [console\nhttp:\n  listen: x\n'],
    ['bad indentation', 'http:\n  listen: 127.0.0.1:8080\n token: abc\n'],
    ['duplicate key', 'database: a.db\ndatabase: b.db\n'],
    ['unclosed quote', 'database: "a.db\n'],
  ])('YAML syntax error (%s) is a FatalError with exit code 2, each line naming the file', (name, text) => {
    const file = write(`syntax-${name.replace(/\W+/g, '-')}.yaml`, text);
    const err = fatalOf(() => loadConfig(file, {}));
    expect(err.exitCode).toBe(2);
    const lines = err.message.split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.startsWith(`${file}: `)).toBe(true);
  });

  it('schema problems in a file: exit code 2, one line per problem, each starting with the file', () => {
    const file = write(
      'bad.yaml',
      ['http:', '  lisen: 0.0.0.0:80', 'commands:', '  prefix: 5', 'colour: blue', 'roles:', '  admin: [bob]', 'database: ${NOPE}', ''].join('\n'),
    );
    const err = fatalOf(() => loadConfig(file, {}));
    expect(err.exitCode).toBe(2);
    const lines = err.message.split('\n');
    for (const l of lines) expect(l.startsWith(`${file}: `)).toBe(true);
    const bare = lines.map((l) => l.slice(file.length + 2));
    expect(bare).toEqual(
      expect.arrayContaining([
        'http.lisen: unknown key',
        'commands.prefix: expected a string, got 5',
        'colour: unknown key',
        expect.stringMatching(/^roles\.admin\[0\]: expected an identity/),
        expect.stringMatching(/^database: environment variable NOPE is not set/),
      ]),
    );
    // Every line is a distinct problem.
    expect(new Set(lines).size).toBe(lines.length);
  });
});

describe('an unset variable', () => {
  it('gives one line for its key, not a second one from the schema', () => {
    try {
      parseConfig({ database: '${OPSBRIDGE_NOPE}', http: { token: '${OPSBRIDGE_NOPE2}' } }, {});
      expect.unreachable('parseConfig accepted unset variables');
    } catch (err) {
      expect((err as FatalError).message.split('\n')).toEqual([
        'database: environment variable OPSBRIDGE_NOPE is not set (use ${OPSBRIDGE_NOPE:-default} for a fallback)',
        'http.token: environment variable OPSBRIDGE_NOPE2 is not set (use ${OPSBRIDGE_NOPE2:-default} for a fallback)',
      ]);
    }
  });
});
