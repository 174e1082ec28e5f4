import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { SAMPLE_CSV, testCore, type TestCore } from '../helpers/core.js';

let core: TestCore;
beforeEach(async () => {
  core = await testCore({ roles: { operator: ['irc:account:bob'] } });
  const r = await importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 'test', source: 'sample.csv' });
  expect(r.rejected).toEqual([]);
});
afterEach(() => core.cleanup());

describe('!server', () => {
  it('answers a name with one line: status, roles, IPs, dc/rack, hardware', async () => {
    const r = await core.ask('!server web01');
    expect(r.ok).toBe(true);
    expect(r.text.split('\n')).toHaveLength(1);
    expect(r.text).toBe('web01 · working · roles blog:app · 10.2.0.11, 2001:db8::11 · tokyo1/r12 · 16 CPU / 64 GB / Dell R640 · Debian 12 · service blog · tags frontend');
  });

  it('finds a host by name case-insensitively and by FQDN', async () => {
    expect((await core.ask('!server WEB01')).text).toMatch(/^web01 · working/);
    expect((await core.ask('!server db12.example.net')).text).toMatch(/^db12 · working/);
  });

  it('finds a host by IPv4 and by IPv6 in any spelling', async () => {
    expect((await core.ask('!server 10.3.0.13')).text).toMatch(/^db13 · poweroff/);
    expect((await core.ask('!server 2001:0db8:0:0::11')).text).toMatch(/^web01 /);
  });

  it('lists the hosts in a CIDR range', async () => {
    const r = await core.ask('!server 10.2.0.0/16');
    expect(r.text.split('\n')[0]).toBe('3 servers match 10.2.0.0/16:');
    expect(r.text).toContain('web01');
    expect(r.text).toContain('web10');
    expect(r.text).not.toContain('db12');
  });

  it('lists the hosts matching a glob', async () => {
    const r = await core.ask('!server db*');
    expect(r.text).toMatch(/^2 servers match db\*:/);
    expect(r.text).toContain('- db12 working 10.3.0.12 osaka1/r02 db:master');
  });

  it('answers a glob matching one host with that host', async () => {
    expect((await core.ask('!server web1*')).text).toMatch(/^web10 · working/);
  });

  it('suggests the closest names on a miss', async () => {
    const r = await core.ask('!server web1');
    expect(r.ok).toBe(false);
    expect(r.text).toBe("no server 'web1' — did you mean web01, web10?");
  });

  it('says plainly when an address or pattern matches nothing', async () => {
    expect((await core.ask('!server 192.0.2.1')).text).toBe("no server '192.0.2.1'");
    expect((await core.ask('!server zz*')).text).toBe("no server 'zz*'");
  });

  it('cuts a long list at five lines with "…and N more"', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `app${String(i).padStart(2, '0')},10.9.0.${i + 1}`).join('\n');
    await importServers(core.services.inventory, `name,ips\n${rows}\n`, 'csv', { actor: 'test', source: 't' });
    const r = await core.ask('!server app*');
    const lines = r.text.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe('…and 15 more');
  });

  it('links the rest to the public URL when one is configured', async () => {
    const linked = await testCore({ http: { public_url: 'https://ops.example.com' } });
    try {
      await importServers(linked.services.inventory, SAMPLE_CSV, 'csv', { actor: 't', source: 't' });
      await importServers(linked.services.inventory, `name\n${Array.from({ length: 8 }, (_, i) => `web2${i}`).join('\n')}\n`, 'csv', { actor: 't', source: 't' });
      const r = await linked.ask('!server web*');
      expect(r.text.split('\n').at(-1)).toBe('…and 6 more: https://ops.example.com/?q=web');
    } finally {
      await linked.cleanup();
    }
  });

  it('names the open tickets of the host on one line, most urgent first', async () => {
    const { tickets } = core.services;
    const reporter = 'irc:nick:carol';
    const disk = await tickets.create({ title: 'disk full', reporter, hosts: ['web01'] });
    const fan = await tickets.create({ title: 'fan noise', reporter, hosts: ['web01', 'web02'], priority: 'urgent' });
    const done = await tickets.create({ title: 'old PSU', reporter, hosts: ['web01'] });
    await tickets.setStatus(done.id, 'closed', 'carol');
    await tickets.create({ title: 'elsewhere', reporter, hosts: ['web02'] });
    const r = await core.ask('!server web01');
    expect(r.text.split('\n')).toEqual([expect.stringMatching(/^web01 · working · /), `tickets: #${fan.id} fan noise, #${disk.id} disk full`]);

    const more = [];
    for (const i of [1, 2, 3]) more.push(await tickets.create({ title: `${'long title '.repeat(5)}${i}`, reporter, hosts: ['web01'] }));
    expect((await core.ask('!server web01')).text.split('\n').at(-1)).toBe(
      `tickets: #${fan.id} fan noise, #${disk.id} disk full, #${more[0]!.id} long title long title long title long t… …and 2 more: !tickets host=web01`,
    );
    expect((await core.ask('!server web10')).text.split('\n')).toHaveLength(1);
  });

  it('answers a missing argument with the usage', async () => {
    const r = await core.ask('!server');
    expect(r.ok).toBe(false);
    expect(r.text).toBe('usage: !server NAME|IP|CIDR|GLOB (e.g. !server web01)');
  });
});

describe('!servers', () => {
  it('counts by status and lists the first names', async () => {
    const r = await core.ask('!servers');
    expect(r.text.split('\n')).toEqual(['5 servers: 3 working, 1 poweroff, 1 standby', 'db12, db13, web01, web02, web10']);
  });

  it('filters by role, status, dc and service', async () => {
    expect((await core.ask('!servers role=db:master')).text).toBe('1 server (role=db:master): 1 working\ndb12');
    expect((await core.ask('!servers status=poweroff')).text).toContain('db13');
    expect((await core.ask('!servers dc=osaka1 status=working')).text).toBe('1 server (dc=osaka1 status=working): 1 working\ndb12');
    expect((await core.ask('!servers service=blog')).text).toMatch(/^5 servers/);
    expect((await core.ask('!servers role=db:*')).text).toMatch(/^2 servers/);
  });

  it('says when nothing matches', async () => {
    expect((await core.ask('!servers dc=mars')).text).toBe('no servers match dc=mars');
  });

  it('shows "…and N more" past ten names', async () => {
    await importServers(core.services.inventory, `name\n${Array.from({ length: 20 }, (_, i) => `app${String(i).padStart(2, '0')}`).join('\n')}\n`, 'csv', { actor: 't', source: 't' });
    const r = await core.ask('!servers');
    expect(r.text.split('\n').at(-1)).toBe('…and 15 more');
  });

  it('rejects a mistyped option with a suggestion, and an unknown status', async () => {
    const r = await core.ask('!servers rol=db');
    expect(r.ok).toBe(false);
    expect(r.text).toBe("'servers' has no option 'rol' — did you mean 'role'? (!help servers)");
    expect((await core.ask('!servers status=broken')).text).toBe('unknown status \'broken\' — use one of working, standby, maintenance, poweroff, retired');
    expect((await core.ask('!servers web01')).text).toMatch(/^'web01' is not a filter/);
  });
});

describe('!server set and !server history', () => {
  it('lets an operator change a status and records who, when, from, to and why', async () => {
    const r = await core.ask('!server set web01 status=maintenance disk swap in r12', { name: 'bob', identity: 'irc:account:bob' });
    expect(r).toEqual({ ok: true, private: false, text: 'web01 working → maintenance (disk swap in r12)' });
    expect((await core.ask('!server web01')).text).toMatch(/^web01 · maintenance/);
    const h = await core.ask('!server history web01');
    expect(h.text.split('\n')).toEqual([
      'web01 status history:',
      '- 2026-11-25 12:00 UTC working → maintenance by irc:account:bob — disk swap in r12',
    ]);
  });

  it('refuses a viewer, and someone using an operator\'s nick without their account', async () => {
    const viewer = await core.ask('!server set web01 status=poweroff', { name: 'carol', identity: 'irc:account:carol' });
    expect(viewer).toMatchObject({ ok: false, text: "'server set' needs the operator role; you are viewer" });
    const impostor = await core.ask('!server set web01 status=poweroff', { name: 'bob' });
    expect(impostor.ok).toBe(false);
    expect(impostor.text).toBe("'server set' needs the operator role; you are not identified, so you are viewer (log in to your account)");
    expect((await core.ask('!server web01')).text).toMatch(/^web01 · working/);
    expect(await core.services.inventory.history((await core.services.inventory.get('web01'))!.id, 10)).toHaveLength(0);
  });

  it('rejects a bad status, a missing status and an unknown host with what to type', async () => {
    const op = { identity: 'irc:account:bob' };
    expect((await core.ask('!server set web01 status=gone', op)).text).toBe("unknown status 'gone' — use one of working, standby, maintenance, poweroff, retired");
    expect((await core.ask('!server set web01', op)).text).toMatch(/^usage: !server set NAME status=STATUS/);
    expect((await core.ask('!server set web1 status=standby', op)).text).toBe("no server 'web1' — did you mean web01, web10?");
    expect((await core.ask('!server set web* status=standby', op)).text).toBe("'web*' is not one host name: it matches web01, web02, web10; name one");
    expect((await core.ask('!server history *')).text).toBe("'*' is not one host name: it matches db12, db13, web01 and 2 more; name one");
  });

  it('says so when the status is already the one asked for, and records nothing', async () => {
    const r = await core.ask('!server set web01 status=working', { identity: 'irc:account:bob' });
    expect(r.text).toBe('web01 is already working');
    expect(await core.services.inventory.history((await core.services.inventory.get('web01'))!.id, 10)).toHaveLength(0);
  });

  it('keeps the newest five in a channel and sends --full privately', async () => {
    const statuses = ['working', 'standby', 'working', 'standby', 'working', 'standby', 'working'];
    for (const s of statuses) {
      core.clock.advance(60_000);
      await core.ask(`!server set web02 status=${s}`, { identity: 'irc:account:bob' });
    }
    const short = await core.ask('!server history web02');
    expect(short.text.split('\n')).toHaveLength(7);
    expect(short.text.split('\n').at(-1)).toBe('…older entries: !server history web02 --full');
    const full = await core.ask('!server history web02 --full');
    expect(full.private).toBe(true);
    expect(full.text.split('\n')).toHaveLength(1 + 7);
  });
});
