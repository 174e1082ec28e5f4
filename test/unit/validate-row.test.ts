import { describe, expect, it } from 'vitest';
import { COLUMNS, STATUSES } from '../../src/domain/servers/model.js';
import { validateRow, type RowResult } from '../../src/domain/servers/validate-row.js';

function reasonOf(r: RowResult): string {
  if (r.ok) throw new Error(`expected a rejected row, got ${JSON.stringify(r.input)}`);
  return r.reason;
}

function inputOf(r: RowResult) {
  if (!r.ok) throw new Error(`expected an accepted row, got: ${r.reason}`);
  return r.input;
}

describe('validateRow rejects bad rows with a reason naming the problem', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no name column', { fqdn: 'web01.example.net' }, /^missing name$/],
    ['empty name', { name: '' }, /^missing name$/],
    ['blank name', { name: '   ' }, /^missing name$/],
    ['null name', { name: null }, /^missing name$/],
    ['name with a space', { name: 'web 01' }, /^bad name 'web 01'/],
    ['name with a slash', { name: 'web/01' }, /^bad name 'web\/01'/],
    ['name starting with a dash', { name: '-web01' }, /^bad name '-web01'/],
    ['name starting with a dot', { name: '.web01' }, /^bad name '\.web01'/],
    ['name too long', { name: 'a'.repeat(254) }, /^bad name 'a{40}…'/],
    ['name with shell characters', { name: 'web01;rm' }, /^bad name 'web01;rm'/],
    ['bad IPv4', { name: 'web01', ips: '10.0.0.256' }, /^bad IP '10\.0\.0\.256'/],
    ['leading-zero IPv4', { name: 'web01', ips: '10.0.0.1 010.0.0.2' }, /^bad IP '010\.0\.0\.2'/],
    ['hostname in ips', { name: 'web01', ips: ['10.0.0.1', 'web01.example.net'] }, /^bad IP 'web01\.example\.net'/],
    ['CIDR in ips', { name: 'web01', ips: '10.0.0.0/24' }, /^bad IP '10\.0\.0\.0\/24'/],
    ['unknown status', { name: 'web01', status: 'broken' }, /^unknown status 'broken' \(one of: working, standby, maintenance, poweroff, retired\)/],
    ['status that is a number', { name: 'web01', status: 3 }, /^unknown status '3'/],
    ['cpu not a number', { name: 'web01', cpu: 'lots' }, /^bad cpu 'lots': a whole number of cores/],
    ['fractional cpu', { name: 'web01', cpu: '1.5' }, /^bad cpu '1\.5'/],
    ['zero cpu', { name: 'web01', cpu: 0 }, /^bad cpu '0'/],
    ['negative cpu', { name: 'web01', cpu: '-4' }, /^bad cpu '-4'/],
    ['cpu with a unit', { name: 'web01', cpu: '16 cores' }, /^bad cpu '16 cores'/],
    ['cpu as a boolean', { name: 'web01', cpu: true }, /^bad cpu 'true'/],
    ['cpu as NaN', { name: 'web01', cpu: Number.NaN }, /^bad cpu 'NaN'/],
    ['absurd cpu', { name: 'web01', cpu: 100_001 }, /^bad cpu '100001'/],
    ['memory not a number', { name: 'web01', memory_gb: 'big' }, /^bad memory_gb 'big': a positive number/],
    ['memory with a unit', { name: 'web01', memory_gb: '64GB' }, /^bad memory_gb '64GB'/],
    ['zero memory', { name: 'web01', memory_gb: '0' }, /^bad memory_gb '0'/],
    ['negative memory', { name: 'web01', memory_gb: -1 }, /^bad memory_gb '-1'/],
    ['infinite memory', { name: 'web01', memory_gb: Number.POSITIVE_INFINITY }, /^bad memory_gb 'Infinity'/],
    ['unknown field', { name: 'web01', colour: 'red' }, /^unknown field 'colour' \(fields: name, fqdn, ips,/],
    ['misspelt field', { name: 'web01', ip: '10.0.0.1' }, /^unknown field 'ip'/],
    ['field in the wrong case', { name: 'web01', Status: 'working' }, /^unknown field 'Status'/],
    ['__proto__ key from JSON', JSON.parse('{"name":"web01","__proto__":{"x":1}}') as Record<string, unknown>, /^unknown field '__proto__'/],
    ['ips as a number', { name: 'web01', ips: 42 }, /^ips must be a list$/],
    ['ips as an object', { name: 'web01', ips: { a: '10.0.0.1' } }, /^ips must be a list$/],
    ['roles with a non-string element', { name: 'web01', roles: ['web', 3] }, /^roles must be a list of words without spaces$/],
    ['tags with a spaced element', { name: 'web01', tags: ['front end'] }, /^tags must be a list of words without spaces$/],
    ['tags with an empty element', { name: 'web01', tags: [''] }, /^tags must be a list of words without spaces$/],
    ['tags as a boolean', { name: 'web01', tags: true }, /^tags must be a list$/],
    ['notes as an object', { name: 'web01', notes: { text: 'x' } }, /^notes must be text$/],
    ['fqdn as a list', { name: 'web01', fqdn: ['a.example'] }, /^fqdn must be text$/],
    ['os as a boolean', { name: 'web01', os: false }, /^os must be text$/],
    ['fqdn with a space', { name: 'web01', fqdn: 'web01 .example.net' }, /^bad fqdn 'web01 \.example\.net'/],
    ['fqdn with an underscore', { name: 'web01', fqdn: 'web_01.example.net' }, /^bad fqdn/],
  ])('%s', (_name, row, reason) => {
    expect(reasonOf(validateRow(row))).toMatch(reason);
  });

  it('names every allowed field when the field is unknown', () => {
    const reason = reasonOf(validateRow({ name: 'web01', colour: 'red' }));
    for (const c of COLUMNS) expect(reason).toContain(c);
  });

  it('names every status when the status is unknown', () => {
    const reason = reasonOf(validateRow({ name: 'web01', status: 'on' }));
    for (const s of STATUSES) expect(reason).toContain(s);
  });

  it('clips a long bad value so the reason stays one short line', () => {
    const reason = reasonOf(validateRow({ name: 'web01', status: 'x'.repeat(500) }));
    expect(reason.length).toBeLessThan(150);
    expect(reason).toContain('…');
  });
});

describe('validateRow normalizes good rows', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['only a name', { name: 'web01' }, { name: 'web01' }],
    ['name is trimmed', { name: '  web01 ' }, { name: 'web01' }],
    ['name keeps dots, dashes and underscores', { name: 'db-12_a.b' }, { name: 'db-12_a.b' }],
    ['a numeric name from JSON', { name: 12 }, { name: '12' }],
    ['status is lowercased', { name: 'web01', status: 'WORKING' }, { name: 'web01', status: 'working' }],
    ['status is trimmed', { name: 'web01', status: ' Standby ' }, { name: 'web01', status: 'standby' }],
    ['empty status leaves status alone', { name: 'web01', status: '' }, { name: 'web01' }],
    ['IPs become canonical', { name: 'web01', ips: '2001:DB8:0:0::11 10.2.0.11' }, { name: 'web01', ips: ['2001:db8::11', '10.2.0.11'] }],
    ['IPs are deduplicated across spellings, first wins', { name: 'web01', ips: '2001:db8::1 10.0.0.1 2001:DB8:0::1 10.0.0.1' }, { name: 'web01', ips: ['2001:db8::1', '10.0.0.1'] }],
    ['IPs from a JSON array', { name: 'web01', ips: ['10.0.0.1', '10.0.0.2'] }, { name: 'web01', ips: ['10.0.0.1', '10.0.0.2'] }],
    ['list from a space-separated string', { name: 'web01', roles: 'blog:app  blog:batch', tags: 'frontend' }, { name: 'web01', roles: ['blog:app', 'blog:batch'], tags: ['frontend'] }],
    ['list from a string with tabs and newlines', { name: 'web01', tags: '\ta\nb  c ' }, { name: 'web01', tags: ['a', 'b', 'c'] }],
    ['list from an array', { name: 'web01', roles: ['db:master'], tags: ['database', 'ssd'] }, { name: 'web01', roles: ['db:master'], tags: ['database', 'ssd'] }],
    ['duplicate roles and tags are dropped, order kept', { name: 'web01', roles: 'b a b', tags: ['x', 'y', 'x'] }, { name: 'web01', roles: ['b', 'a'], tags: ['x', 'y'] }],
    ['empty list string clears the list', { name: 'web01', ips: '', roles: '', tags: '' }, { name: 'web01', ips: [], roles: [], tags: [] }],
    ['empty array clears the list', { name: 'web01', tags: [] }, { name: 'web01', tags: [] }],
    ['null list clears the list', { name: 'web01', roles: null }, { name: 'web01', roles: [] }],
    ['empty text columns become null', { name: 'web01', fqdn: '', service: '', dc: '', rack: '', model: '', os: '', notes: '' }, { name: 'web01', fqdn: null, service: null, dc: null, rack: null, model: null, os: null, notes: null }],
    ['blank text becomes null', { name: 'web01', notes: '   ' }, { name: 'web01', notes: null }],
    ['null text becomes null', { name: 'web01', dc: null }, { name: 'web01', dc: null }],
    ['text is trimmed', { name: 'web01', model: ' Dell R640 ', notes: ' primary; failover to db13 ' }, { name: 'web01', model: 'Dell R640', notes: 'primary; failover to db13' }],
    ['a number in a text column becomes text', { name: 'web01', rack: 12 }, { name: 'web01', rack: '12' }],
    ['cpu and memory from strings', { name: 'web01', cpu: '16', memory_gb: '64' }, { name: 'web01', cpu: 16, memory_gb: 64 }],
    ['cpu and memory from numbers', { name: 'web01', cpu: 32, memory_gb: 0.5 }, { name: 'web01', cpu: 32, memory_gb: 0.5 }],
    ['fractional memory', { name: 'web01', memory_gb: '1.5' }, { name: 'web01', memory_gb: 1.5 }],
    ['cpu written as 16.0 is whole', { name: 'web01', cpu: '16.0' }, { name: 'web01', cpu: 16 }],
    ['empty cpu and memory become null', { name: 'web01', cpu: '', memory_gb: '' }, { name: 'web01', cpu: null, memory_gb: null }],
    ['null cpu and memory become null', { name: 'web01', cpu: null, memory_gb: null }, { name: 'web01', cpu: null, memory_gb: null }],
    ['fqdn with dots and dashes', { name: 'web01', fqdn: 'web-01.Example.NET' }, { name: 'web01', fqdn: 'web-01.Example.NET' }],
  ])('%s', (_name, row, expected) => {
    expect(inputOf(validateRow(row))).toEqual(expected);
  });

  it('a full CSV-style row', () => {
    const input = inputOf(
      validateRow({
        name: 'web01', fqdn: 'web01.example.net', ips: '10.2.0.11 2001:db8::11', roles: 'blog:app', service: 'blog',
        dc: 'tokyo1', rack: 'r12', status: 'working', cpu: '16', memory_gb: '64', model: 'Dell R640', os: 'Debian 12',
        tags: 'frontend', notes: '',
      }),
    );
    expect(input).toEqual({
      name: 'web01', fqdn: 'web01.example.net', ips: ['10.2.0.11', '2001:db8::11'], roles: ['blog:app'], service: 'blog',
      dc: 'tokyo1', rack: 'r12', status: 'working', cpu: 16, memory_gb: 64, model: 'Dell R640', os: 'Debian 12',
      tags: ['frontend'], notes: null,
    });
  });

  it.each(STATUSES.map((s) => [s]))('accepts status %s', (s) => {
    expect(inputOf(validateRow({ name: 'web01', status: s.toUpperCase() })).status).toBe(s);
  });

  it('columns the row does not have are absent, not null or empty', () => {
    const input = inputOf(validateRow({ name: 'web01', dc: 'tokyo1' }));
    expect(Object.keys(input).sort()).toEqual(['dc', 'name']);
    for (const c of ['fqdn', 'ips', 'roles', 'service', 'rack', 'status', 'cpu', 'memory_gb', 'model', 'os', 'tags', 'notes']) {
      expect(Object.hasOwn(input, c)).toBe(false);
    }
  });

  it('an IPv6 address with a zone id gives a result instead of throwing', () => {
    const r = validateRow({ name: 'web01', ips: 'fe80::1%eth0' });
    if (r.ok) expect(r.input.ips).toEqual(['fe80::1']);
    else expect(r.reason).toMatch(/^bad IP 'fe80::1%eth0'/);
  });

  it('does not modify the row it was given', () => {
    const row = { name: ' web01 ', ips: ['10.0.0.1', '10.0.0.1'], status: 'WORKING' };
    const copy = structuredClone(row);
    validateRow(row);
    expect(row).toEqual(copy);
  });
});

describe('validateRow rejects JSON values of the wrong kind', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a list as name', { name: ['web01'] }, 'name must be text'],
    ['a boolean as name', { name: true }, 'name must be text'],
    ['a list as status', { name: 'web01', status: ['working'] }, 'status must be text: one of working, standby, maintenance, poweroff, retired'],
    ['an object as rack', { name: 'web01', rack: { row: 3 } }, 'rack must be text'],
  ])('%s', (_label, row, reason) => {
    expect(reasonOf(validateRow(row))).toBe(reason);
  });
});
