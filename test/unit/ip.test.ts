import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, type CidrRange } from '../../src/domain/servers/ip.js';

const HEX32 = /^[0-9a-f]{32}$/;

describe('parseIp: IPv4', () => {
  it.each<[string, string, string]>([
    ['10.0.0.1', '10.0.0.1', '00000000000000000000ffff0a000001'],
    ['0.0.0.0', '0.0.0.0', '00000000000000000000ffff00000000'],
    ['255.255.255.255', '255.255.255.255', '00000000000000000000ffffffffffff'],
    ['192.168.1.20', '192.168.1.20', '00000000000000000000ffffc0a80114'],
    ['1.2.3.4', '1.2.3.4', '00000000000000000000ffff01020304'],
  ])('%s', (input, text, key) => {
    expect(parseIp(input)).toEqual({ text, key });
  });
});

describe('parseIp: IPv6, canonical text per RFC 5952', () => {
  it.each<[string, string, string, string]>([
    ['full form is compressed', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', '20010db8000000000000000000000001'],
    ['upper case is lowered', '2001:DB8::ABCD', '2001:db8::abcd', '20010db800000000000000000000abcd'],
    ['leading zeros in a group are dropped', '2001:db8:0:0:0:0:00ab:0001', '2001:db8::ab:1', '20010db8000000000000000000ab0001'],
    ['unspecified address', '::', '::', '0'.repeat(32)],
    ['loopback', '::1', '::1', '0'.repeat(31) + '1'],
    ['trailing zeros', '2001:db8::', '2001:db8::', '20010db8' + '0'.repeat(24)],
    ['a single zero group is not compressed', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
    ['the longest run of zeros is compressed', '1:0:0:2:0:0:0:3', '1:0:0:2::3', '00010000000000020000000000000003'],
    ['on a tie the first run is compressed', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['already compressed in the wrong place', '2001:db8::1:0:0:0:1', '2001:db8:0:1::1', '20010db8000000010000000000000001'],
    ['no zero groups', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('%s: %s -> %s', (_name, input, text, key) => {
    expect(parseIp(input)).toEqual({ text, key });
  });

  it('::ffff:1.2.3.4 has the same key as 1.2.3.4, so either form finds the host', () => {
    const mapped = parseIp('::ffff:1.2.3.4');
    const v4 = parseIp('1.2.3.4');
    expect(mapped).not.toBeNull();
    expect(mapped!.key).toBe('00000000000000000000ffff01020304');
    expect(mapped!.key).toBe(v4!.key);
    // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
    expect(mapped!.text).toBe('::ffff:1.2.3.4');
    expect(parseIp('::FFFF:0102:0304')?.text).toBe('::ffff:1.2.3.4');
    expect(parseIp(mapped!.text)?.key).toBe(mapped!.key);
  });

  it('embedded IPv4 after six groups', () => {
    expect(parseIp('64:ff9b::192.0.2.33')?.key).toBe('0064ff9b0000000000000000c0000221');
    expect(parseIp('1:2:3:4:5:6:1.2.3.4')?.key).toBe('00010002000300040005000601020304');
  });

  it.each([['2001:db8::1'], ['::'], ['fe80::1:2'], ['1:0:0:2::3'], ['10.0.0.1']])('canonical text %s is a fixed point', (s) => {
    expect(parseIp(s)?.text).toBe(s);
  });

  it('different spellings of one address have one text and one key', () => {
    const spellings = ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000::0001', '2001:db8:0::0:1'];
    const parsed = spellings.map(parseIp);
    expect(new Set(parsed.map((p) => p?.text))).toEqual(new Set(['2001:db8::1']));
    expect(new Set(parsed.map((p) => p?.key)).size).toBe(1);
  });

  it('every key is 32 lower-case hex digits', () => {
    for (const s of ['1.2.3.4', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::1', '::ffff:10.0.0.1']) {
      expect(parseIp(s)?.key).toMatch(HEX32);
    }
  });
});

describe('parseIp with an IPv6 zone id', () => {
  // isIP accepts `fe80::1%eth0`; parsing must not throw on the zone.
  it.each([['fe80::1%eth0'], ['fe80::1%25eth0'], ['FE80::1%1']])('%s does not throw and keeps the address', (s) => {
    const r = parseIp(s);
    if (r !== null) {
      expect(r.key).toBe(parseIp('fe80::1')!.key);
      expect(r.key).toMatch(HEX32);
    }
  });

  it('a CIDR with a zone id does not throw', () => {
    const r = parseCidr('fe80::%eth0/64');
    if (r !== null) expect([r.lo, r.hi]).toEqual([parseCidr('fe80::/64')!.lo, parseCidr('fe80::/64')!.hi]);
  });
});

describe('parseIp rejects', () => {
  it.each([
    ['empty', ''],
    ['garbage', 'web01'],
    ['leading zeros (octal ambiguity)', '010.1.1.1'],
    ['leading zero in a later part', '10.1.1.01'],
    ['part above 255', '256.1.1.1'],
    ['too few parts', '10.1.1'],
    ['too many parts', '10.1.1.1.1'],
    ['surrounding whitespace', ' 10.1.1.1'],
    ['trailing whitespace', '10.1.1.1 '],
    ['a CIDR', '10.0.0.0/8'],
    ['two ::', '1::2::3'],
    ['too many IPv6 groups', '1:2:3:4:5:6:7:8:9'],
    ['IPv6 group too long', '12345::1'],
    ['non-hex IPv6', '2001:db8::g'],
    ['bracketed IPv6', '[::1]'],
    ['with a port', '10.0.0.1:22'],
  ])('%s: %j', (_name, input) => {
    expect(parseIp(input)).toBeNull();
  });
});

describe('parseCidr', () => {
  const inRange = (r: CidrRange, ip: string) => {
    const key = parseIp(ip)!.key;
    return r.lo <= key && key <= r.hi;
  };

  it('v4 /16: bounds and text', () => {
    const r = parseCidr('10.1.0.0/16')!;
    expect(r).toEqual({
      text: '10.1.0.0/16',
      lo: '00000000000000000000ffff0a010000',
      hi: '00000000000000000000ffff0a01ffff',
    });
  });

  it.each<[string, boolean]>([
    ['10.1.0.0', true],
    ['10.1.0.1', true],
    ['10.1.128.7', true],
    ['10.1.255.255', true],
    ['10.0.255.255', false],
    ['10.2.0.0', false],
    ['10.10.0.1', false],
    ['9.1.0.0', false],
    ['110.1.0.0', false],
    ['::ffff:10.1.2.3', true], // the mapped form of an address in range
    ['2001:db8::1', false],
    ['::1', false],
  ])('10.1.0.0/16 contains %s: %s', (ip, expected) => {
    expect(inRange(parseCidr('10.1.0.0/16')!, ip)).toBe(expected);
  });

  it('host bits in the input are masked off in the bounds', () => {
    const a = parseCidr('10.1.2.3/16')!;
    const b = parseCidr('10.1.0.0/16')!;
    expect([a.lo, a.hi]).toEqual([b.lo, b.hi]);
  });

  it.each<[string, string, string]>([
    ['10.0.0.5/32', '00000000000000000000ffff0a000005', '00000000000000000000ffff0a000005'],
    ['0.0.0.0/0', '00000000000000000000ffff00000000', '00000000000000000000ffffffffffff'],
    ['192.168.1.0/24', '00000000000000000000ffffc0a80100', '00000000000000000000ffffc0a801ff'],
    ['172.16.0.0/12', '00000000000000000000ffffac100000', '00000000000000000000ffffac1fffff'],
  ])('v4 bounds of %s', (cidr, lo, hi) => {
    expect(parseCidr(cidr)).toMatchObject({ lo, hi });
  });

  it('v4 /0 stays inside the IPv4-mapped block: no IPv6 address matches', () => {
    const r = parseCidr('0.0.0.0/0')!;
    expect(inRange(r, '8.8.8.8')).toBe(true);
    expect(inRange(r, '::1')).toBe(false);
    expect(inRange(r, '2001:db8::1')).toBe(false);
  });

  it('v6 /64: bounds and text', () => {
    expect(parseCidr('2001:DB8::/64')).toEqual({
      text: '2001:db8::/64',
      lo: '20010db8000000000000000000000000',
      hi: '20010db800000000ffffffffffffffff',
    });
  });

  it.each<[string, boolean]>([
    ['2001:db8::', true],
    ['2001:db8::1', true],
    ['2001:db8::ffff:ffff:ffff:ffff', true],
    ['2001:db8:0:1::', false],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db9::', false],
    ['10.0.0.1', false],
  ])('2001:db8::/64 contains %s: %s', (ip, expected) => {
    expect(inRange(parseCidr('2001:db8::/64')!, ip)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['::/0', '0'.repeat(32), 'f'.repeat(32)],
    ['::1/128', '0'.repeat(31) + '1', '0'.repeat(31) + '1'],
    ['fe80::/10', 'fe80' + '0'.repeat(28), 'febf' + 'f'.repeat(28)],
  ])('v6 bounds of %s', (cidr, lo, hi) => {
    expect(parseCidr(cidr)).toMatchObject({ lo, hi });
  });

  it.each([
    ['v4 prefix above 32', '10.0.0.0/33'],
    ['v6 prefix above 128', '2001:db8::/129'],
    ['no prefix', '10.0.0.0'],
    ['empty prefix', '10.0.0.0/'],
    ['negative prefix', '10.0.0.0/-1'],
    ['non-numeric prefix', '10.0.0.0/abc'],
    ['two slashes', '10.0.0.0/8/8'],
    ['bad address', 'web01/24'],
    ['leading zeros in the address', '010.0.0.0/8'],
    ['empty', ''],
    ['only a prefix', '/24'],
    ['garbage', 'not a cidr'],
  ])('rejects %s: %j', (_name, input) => {
    expect(parseCidr(input)).toBeNull();
  });
});
