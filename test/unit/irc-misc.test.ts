import { describe, expect, it } from 'vitest';
import { AccountCache } from '../../src/adapters/irc/accounts.js';
import { reconnectDelay } from '../../src/adapters/backoff.js';
import { parseDuration } from '../../src/time/duration.js';

const fixed = (x: number) => () => x;

describe('reconnectDelay', () => {
  it.each<[number, number, number]>([
    // attempt, random(), expected ms (min 1 s, max 60 s)
    [0, 0, 1_000],
    [0, 0.5, 1_000],
    [0, 0.999, 1_000],
    [1, 0, 1_000],
    [1, 0.5, 1_500],
    [1, 0.999999, 2_000],
    [2, 0, 2_000],
    [2, 0.25, 2_500],
    [3, 0, 4_000],
    [3, 0.5, 6_000],
    [4, 0, 8_000],
    [5, 0, 16_000],
    [5, 0.999999, 32_000],
    [6, 0, 30_000],
    [6, 0.999999, 60_000],
    [7, 0.5, 45_000],
    [30, 0, 30_000],
    [31, 0.999999, 60_000],
    [1_000, 0, 30_000],
    [1_000, 0.999999, 60_000],
    [Number.MAX_SAFE_INTEGER, 0.5, 45_000],
  ])('attempt %i with random %d → %i ms', (attempt, r, expected) => {
    expect(reconnectDelay(attempt, 1_000, 60_000, fixed(r))).toBe(expected);
  });

  it('the ceiling doubles from 1 s and is capped at 60 s', () => {
    const ceilings = Array.from({ length: 10 }, (_, a) => reconnectDelay(a, 1_000, 60_000, fixed(0.9999999)));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('defaults are 1 s and 60 s', () => {
    expect(reconnectDelay(0, undefined, undefined, fixed(0))).toBe(1_000);
    expect(reconnectDelay(3, undefined, undefined, fixed(0.9999999))).toBe(8_000);
    expect(reconnectDelay(50, undefined, undefined, fixed(0.9999999))).toBe(60_000);
    for (let k = 0; k < 200; k++) {
      const d = reconnectDelay(k % 12);
      expect(d).toBeGreaterThanOrEqual(1_000);
      expect(d).toBeLessThanOrEqual(60_000);
    }
  });

  it.each<[number, number, number, number, number]>([
    [0, 500, 5_000, 0, 500],
    [3, 500, 5_000, 0.9999999, 4_000],
    [4, 500, 5_000, 0.9999999, 5_000],
    [4, 500, 5_000, 0, 2_500],
    [2, 2_000, 3_000, 0, 2_000],
  ])('custom bounds: attempt %i, min %i, max %i, random %d → %i', (attempt, min, max, r, expected) => {
    expect(reconnectDelay(attempt, min, max, fixed(r))).toBe(expected);
  });

  it('jitter stays within [ceiling/2, ceiling] and never below 1 s', () => {
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(60_000, 1_000 * 2 ** attempt);
      const seen = new Set<number>();
      for (let k = 0; k < 50; k++) {
        const d = reconnectDelay(attempt, 1_000, 60_000, rand);
        expect(d).toBeGreaterThanOrEqual(Math.max(1_000, ceiling / 2));
        expect(d).toBeLessThanOrEqual(ceiling);
        seen.add(d);
      }
      // Past the first attempt the delays actually vary (bots do not reconnect in lockstep).
      if (attempt > 0) expect(seen.size).toBeGreaterThan(10);
    }
  });

  it('uses the injected random source', () => {
    const calls: number[] = [];
    const r = () => {
      calls.push(1);
      return 0.5;
    };
    expect(reconnectDelay(4, 1_000, 60_000, r)).toBe(12_000);
    expect(calls).toHaveLength(1);
  });
});

describe('AccountCache', () => {
  function cache(ttl?: number) {
    let t = 5_000;
    const c = ttl === undefined ? new AccountCache(() => t) : new AccountCache(() => t, ttl);
    return { c, advance: (ms: number) => (t += ms) };
  }

  it.each<[string, string, string | null, string]>([
    ['same case', 'alice', 'alice-acct', 'alice'],
    ['lookup upper case', 'alice', 'alice-acct', 'ALICE'],
    ['stored mixed case', 'AlIcE', 'alice-acct', 'alice'],
    ['logged out is null', 'bob', null, 'Bob'],
  ])('set/get is case-insensitive: %s', (_name, nick, account, lookup) => {
    const { c } = cache();
    c.set(nick, account);
    expect(c.get(lookup)).toBe(account);
  });

  it('null (logged out) and undefined (unknown) differ', () => {
    const { c } = cache();
    c.set('bob', null);
    expect(c.get('bob')).toBeNull();
    expect(c.get('carol')).toBeUndefined();
  });

  it('the account name keeps its case', () => {
    const { c } = cache();
    c.set('alice', 'AliceOps');
    expect(c.get('alice')).toBe('AliceOps');
  });

  it('set() entries do not expire', () => {
    const { c, advance } = cache();
    c.set('alice', 'a');
    c.set('bob', null);
    advance(365 * 86_400_000);
    expect(c.get('alice')).toBe('a');
    expect(c.get('bob')).toBeNull();
  });

  it.each<[string, number | undefined, number, string | null]>([
    ['default TTL 60 s, account', undefined, 60_000, 'alice-acct'],
    ['default TTL 60 s, logged out', undefined, 60_000, null],
    ['custom TTL 5 s', 5_000, 5_000, 'alice-acct'],
  ])('WHOIS entries expire after the TTL: %s', (_name, ttl, ttlMs, account) => {
    const { c, advance } = cache(ttl);
    c.setFromWhois('Alice', account);
    expect(c.get('alice')).toBe(account);
    advance(ttlMs);
    expect(c.get('ALICE')).toBe(account);
    advance(1);
    expect(c.get('alice')).toBeUndefined();
    // Expired means unknown, also later.
    advance(1_000_000);
    expect(c.get('alice')).toBeUndefined();
  });

  it('a later set() replaces a WHOIS entry and does not expire', () => {
    const { c, advance } = cache();
    c.setFromWhois('alice', null);
    c.set('alice', 'alice-acct');
    advance(120_000);
    expect(c.get('alice')).toBe('alice-acct');
  });

  it('a later WHOIS replaces a set() entry and expires', () => {
    const { c, advance } = cache();
    c.set('alice', 'old');
    c.setFromWhois('alice', 'new');
    expect(c.get('alice')).toBe('new');
    advance(60_001);
    expect(c.get('alice')).toBeUndefined();
  });

  it('a later WHOIS restarts the TTL', () => {
    const { c, advance } = cache();
    c.setFromWhois('alice', 'a');
    advance(50_000);
    c.setFromWhois('alice', 'a');
    advance(50_000);
    expect(c.get('alice')).toBe('a');
    advance(10_001);
    expect(c.get('alice')).toBeUndefined();
  });

  it.each<[string, string | null]>([
    ['account', 'alice-acct'],
    ['logged out', null],
  ])('rename moves the entry (%s), case-insensitively', (_name, account) => {
    const { c } = cache();
    c.set('Alice', account);
    c.rename('ALICE', 'Alicia');
    expect(c.get('alice')).toBeUndefined();
    expect(c.get('alicia')).toBe(account);
  });

  it('rename keeps a WHOIS entry’s expiry', () => {
    const { c, advance } = cache();
    c.setFromWhois('alice', 'a');
    advance(30_000);
    c.rename('alice', 'alicia');
    advance(30_000);
    expect(c.get('alicia')).toBe('a');
    advance(1);
    expect(c.get('alicia')).toBeUndefined();
  });

  it('rename onto a known nick replaces that entry', () => {
    const { c } = cache();
    c.set('alice', 'alice-acct');
    c.set('bob', 'bob-acct');
    c.rename('alice', 'bob');
    expect(c.get('bob')).toBe('alice-acct');
    expect(c.get('alice')).toBeUndefined();
  });

  it('rename that only changes case keeps the entry', () => {
    const { c } = cache();
    c.set('alice', 'a');
    c.rename('alice', 'ALICE');
    expect(c.get('alice')).toBe('a');
  });

  it('rename of an unknown nick leaves other entries alone', () => {
    const { c } = cache();
    c.set('carol', 'c');
    c.rename('nobody', 'someone');
    expect(c.get('someone')).toBeUndefined();
    expect(c.get('carol')).toBe('c');
  });

  it('forget drops one nick, case-insensitively', () => {
    const { c } = cache();
    c.set('alice', 'a');
    c.set('bob', null);
    c.forget('ALICE');
    c.forget('nobody');
    expect(c.get('alice')).toBeUndefined();
    expect(c.get('bob')).toBeNull();
  });

  it('clear drops everything', () => {
    const { c } = cache();
    c.set('alice', 'a');
    c.set('bob', null);
    c.setFromWhois('carol', 'c');
    c.clear();
    for (const n of ['alice', 'bob', 'carol']) expect(c.get(n)).toBeUndefined();
  });
});

describe('parseDuration', () => {
  const S = 1_000;
  const M = 60 * S;
  const H = 60 * M;
  const D = 24 * H;
  it.each<[string, number]>([
    ['30s', 30 * S],
    ['5m', 5 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1w', 7 * D],
    ['1h30m', H + 30 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['250ms', 250],
    ['1s500ms', 1_500],
    ['1m1ms', M + 1],
    ['0s', 0],
    ['90m', 90 * M],
    [' 5m ', 5 * M],
    ['\t2h\n', 2 * H],
    ['5M', 5 * M],
    ['1H30M', H + 30 * M],
  ])('%j → %i ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each<string>(['', ' ', '5', '30', 'm', 'ms', '5x', '5 m', '1h 30m', '-5m', '+5m', '1.5h', '5mm', 'h5', 'abc', '5m!', 'five minutes', '1h30', '30s ago', '١٢m'])(
    '%j is not a duration',
    (input) => {
      expect(parseDuration(input)).toBeNull();
    },
  );
});

describe('AccountCache.rename from an unknown nick', () => {
  it('forgets what it knew about the new nick: that was someone else', () => {
    const cache = new AccountCache(() => 0);
    cache.setFromWhois('admin', 'root');
    cache.rename('mallory', 'admin');
    expect(cache.get('admin')).toBeUndefined();
  });
});
