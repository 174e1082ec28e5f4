import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_CSV } from '../helpers/core.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsbridge-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};

describe('config errors stop the bot with one line per problem and exit code 2', () => {
  it('names the key path of each problem', async () => {
    write('opsbridge.yaml', 'database: 5\nhttp:\n  listen: nowhere\n  lisen: x\ncommands:\n  prefix: [1]\nirc:\n  port: six\ncolour: red\n');
    const r = await runCli(['run', 'help'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').sort()).toEqual([
      'opsbridge.yaml: colour: unknown key',
      'opsbridge.yaml: commands.prefix: expected a string, got a list',
      'opsbridge.yaml: database: expected a string, got 5',
      'opsbridge.yaml: http.lisen: unknown key',
      'opsbridge.yaml: http.listen: expected HOST:PORT, e.g. 127.0.0.1:8080, got "nowhere"',
      'opsbridge.yaml: irc.host: required',
      'opsbridge.yaml: irc.port: expected a number, got "six"',
    ]);
  });

  it('reports an unset environment variable under its key', async () => {
    write('c.yaml', 'http:\n  token: ${OPSBRIDGE_TEST_UNSET_TOKEN}\n');
    const r = await runCli(['--config', 'c.yaml', 'migrate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('c.yaml: http.token: environment variable OPSBRIDGE_TEST_UNSET_TOKEN is not set');
  });

  it('refuses a --config path that does not exist', async () => {
    const r = await runCli(['--config', 'missing.yaml', 'migrate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('config file missing.yaml not found');
  });

  it('reads ${VAR} and ${VAR:-default} from the environment', async () => {
    write('opsbridge.yaml', 'database: ${OB_DIR}/x.db\ncommands:\n  prefix: ${OB_PREFIX:-.}\n');
    const r = await runCli(['run', '.whoami'], { cwd: dir, env: { OB_DIR: join(dir, 'sub') } });
    expect(r.stdout).toMatch(/role: admin/);
    expect(readFileSync(join(dir, 'sub', 'x.db')).length).toBeGreaterThan(0);
  });
});

describe('opsbridge migrate', () => {
  it('applies the migrations once', async () => {
    const first = await runCli(['migrate'], { cwd: dir });
    expect(first.stdout).toMatch(/^applied 0001_init\.sql/);
    const again = await runCli(['migrate'], { cwd: dir });
    expect(again.stdout.trim()).toMatch(/^up to date \(\d+ migrations applied\)$/);
  });

  it('refuses a database newer than the code and writes nothing', async () => {
    await runCli(['migrate'], { cwd: dir });
    const dbPath = join(dir, 'data', 'opsbridge.db');
    const db = new Database(dbPath);
    db.prepare("INSERT INTO schema_migrations VALUES ('9999_from_the_future.sql', 'abc', 'now')").run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = createHash('sha256').update(readFileSync(dbPath)).digest('hex');
    const r = await runCli(['run', 'help'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('9999_from_the_future.sql');
    expect(r.stderr).toContain('the database is newer than the code');
    expect(createHash('sha256').update(readFileSync(dbPath)).digest('hex')).toBe(before);
  });
});

describe('opsbridge run', () => {
  it('prints the reply and exits 0, or 1 on a command error', async () => {
    const ok = await runCli(['run', 'help'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('!server — Look up a host');
    const bad = await runCli(['run', '!server nothere'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim()).toBe("no server 'nothere'");
    const typo = await runCli(['run', 'srever web01'], { cwd: dir });
    expect(typo.code).toBe(1);
    expect(typo.stdout.trim()).toBe("unknown command 'srever' — did you mean 'server'? (!help lists commands)");
  });

  it('runs as the console user, an admin', async () => {
    write('s.csv', SAMPLE_CSV);
    await runCli(['servers', 'import', 's.csv'], { cwd: dir });
    const r = await runCli(['run', 'server set web01 status=maintenance kernel update'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('web01 working → maintenance (kernel update)');
    const h = await runCli(['run', 'server history web01'], { cwd: dir });
    expect(h.stdout).toContain('working → maintenance by console — kernel update');
  });
});

describe('opsbridge servers import', () => {
  it('imports CSV and prints the counts', async () => {
    write('s.csv', SAMPLE_CSV);
    const r = await runCli(['servers', 'import', 's.csv'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('created 5, updated 0, unchanged 0, rejected 0');
    const again = await runCli(['servers', 'import', 's.csv'], { cwd: dir });
    expect(again.stdout.trim()).toBe('created 0, updated 0, unchanged 5, rejected 0');
  });

  it('reports each bad row with its line and reason, applies the good rows, exits 1', async () => {
    write(
      'bad.csv',
      [
        'name,ips,status,cpu,memory_gb',
        'good01,10.0.0.1,working,4,8', // 2
        ',10.0.0.2,working,4,8', // 3 missing name
        'bad03,10.0.0.300,working,4,8', // 4 bad IP
        'bad04,10.0.0.4,exploded,4,8', // 5 unknown status
        'good01,10.0.0.5,working,4,8', // 6 duplicate
        'bad06,10.0.0.6,working,four,8', // 7 bad cpu
        'bad07,10.0.0.7,working,4,-1', // 8 bad memory
        'good08,10.0.0.8 fe80::1,standby,,', // 9
        'bad09,10.0.0.9,working,4,8,extra', // 10 too many fields
      ].join('\n') + '\n',
    );
    const r = await runCli(['servers', 'import', 'bad.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe('created 2, updated 0, unchanged 0, rejected 7');
    expect(r.stderr.trim().split('\n')).toEqual([
      'bad.csv:3: rejected: missing name',
      "bad.csv:4: rejected: bad IP '10.0.0.300'",
      "bad.csv:5: rejected: unknown status 'exploded' (one of: working, standby, maintenance, poweroff, retired)",
      "bad.csv:6: rejected: duplicate name 'good01' (first on line 2)",
      "bad.csv:7: rejected: bad cpu 'four': a whole number of cores",
      "bad.csv:8: rejected: bad memory_gb '-1': a positive number",
      'bad.csv:10: rejected: 6 fields but the header has 5',
    ]);
    const list = await runCli(['run', 'servers'], { cwd: dir });
    expect(list.stdout).toContain('good01, good08');
  });

  it('changes nothing with --dry-run', async () => {
    write('s.csv', SAMPLE_CSV);
    const r = await runCli(['servers', 'import', '--dry-run', 's.csv'], { cwd: dir });
    expect(r.stdout.trim()).toBe('dry run: would have created 5, updated 0, unchanged 0, rejected 0');
    expect((await runCli(['run', 'servers'], { cwd: dir })).stdout).toMatch(/^no servers in the inventory yet/);
  });

  it('imports JSON and NDJSON, reporting bad entries by line', async () => {
    write('s.json', '[\n  {"name": "j1", "ips": ["10.1.0.1"], "roles": ["a:b"], "cpu": 8},\n  {"name": "j2", "status": 42},\n  "nope"\n]\n');
    const j = await runCli(['servers', 'import', 's.json'], { cwd: dir });
    expect(j.code).toBe(1);
    expect(j.stderr.trim().split('\n')).toEqual(["s.json:3: rejected: unknown status '42' (one of: working, standby, maintenance, poweroff, retired)", 's.json:4: rejected: expected a JSON object']);
    write('s.ndjson', '{"name":"n1","tags":["x"]}\n{broken\n{"name":"n2","color":"red"}\n');
    const n = await runCli(['servers', 'import', 's.ndjson'], { cwd: dir });
    expect(n.stdout.trim()).toBe('created 1, updated 0, unchanged 0, rejected 2');
    expect(n.stderr).toMatch(/s\.ndjson:2: rejected: not valid JSON/);
    expect(n.stderr).toContain("s.ndjson:3: rejected: unknown field 'color'");
  });

  it('says what is wrong with an unreadable or malformed file', async () => {
    const missing = await runCli(['servers', 'import', 'nope.csv'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('opsbridge: cannot read nope.csv: ENOENT');
    write('cols.csv', 'name,colour\nweb01,red\n');
    const cols = await runCli(['servers', 'import', 'cols.csv'], { cwd: dir });
    expect(cols.stderr.trim()).toMatch(/^opsbridge: line 1: unknown column 'colour'/);
    write('broken.json', '[{"name": "x"');
    expect((await runCli(['servers', 'import', 'broken.json'], { cwd: dir })).stderr).toMatch(/^opsbridge: not valid JSON/);
  });
});

describe('opsbridge servers export', () => {
  it.each(['csv', 'json', 'ndjson'])('round-trips through %s without changing anything', async (format) => {
    write('s.csv', SAMPLE_CSV.replace('"primary; failover to db13"', '"line one\nline two, with ""quotes"""'));
    await runCli(['servers', 'import', 's.csv'], { cwd: dir });
    const out = join(dir, `export.${format}`);
    const exp = await runCli(['servers', 'export', '--format', format, '--output', out], { cwd: dir });
    expect(exp.code).toBe(0);
    const r = await runCli(['servers', 'import', out], { cwd: dir });
    expect(r.stdout.trim()).toBe('created 0, updated 0, unchanged 5, rejected 0');
    // and into an empty database it recreates the same inventory
    const other = join(dir, 'other');
    write('other.yaml', `database: ${join(other, 'o.db')}\n`);
    await runCli(['--config', 'other.yaml', 'servers', 'import', out], { cwd: dir });
    const again = await runCli(['--config', 'other.yaml', 'servers', 'export', '--format', format], { cwd: dir });
    expect(again.stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('writes CSV to stdout by default, with the import columns', async () => {
    write('s.csv', SAMPLE_CSV);
    await runCli(['servers', 'import', 's.csv'], { cwd: dir });
    const r = await runCli(['servers', 'export'], { cwd: dir });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('name,fqdn,ips,roles,service,dc,rack,status,cpu,memory_gb,model,os,tags,notes');
    expect(lines[1]).toBe('db12,db12.example.net,10.3.0.12,db:master,blog,osaka1,r02,working,32,256,Dell R740,Debian 12,database,primary; failover to db13');
  });
});
