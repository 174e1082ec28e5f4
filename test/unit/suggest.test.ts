import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/chat/suggest.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['server', 'servers', 1], // insertion
    ['servers', 'server', 1], // deletion
    ['server', 'sorver', 1], // substitution
    ['srever', 'server', 1], // adjacent transposition is one edit
    ['teh', 'the', 1],
    ['ab', 'ba', 1],
    ['abcd', 'badc', 2], // two separate swaps
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    // Optimal string alignment: a swapped pair is not edited again, so this is 3, not 2.
    ['ca', 'abc', 3],
    ['Server', 'server', 1], // case-sensitive
  ])('%j -> %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it.each<[string, string, number, number]>([
    // Length difference alone already exceeds max.
    ['a', 'abcdef', 2, 3],
    // Every row's minimum goes past max: stop and report max + 1.
    ['abcdef', 'uvwxyz', 2, 3],
    ['abcdef', 'uvwxyz', 0, 1],
    ['hostname', 'database', 1, 2],
  ])('with a cutoff, %j -> %j (max %i) reports max + 1 = %i', (a, b, max, expected) => {
    expect(editDistance(a, b, max)).toBe(expected);
    // The cutoff never turns a far pair into a near one.
    expect(editDistance(a, b)).toBeGreaterThan(max);
  });

  it.each<[string, string, number]>([
    ['srever', 'server', 1],
    ['kitten', 'sitting', 3],
    ['web1', 'web01', 1],
  ])('a cutoff at or above the true distance %j -> %j does not change it', (a, b, d) => {
    expect(editDistance(a, b, d)).toBe(d);
    expect(editDistance(a, b, d + 5)).toBe(d);
  });
});

describe('closest', () => {
  const commands = ['server', 'servers', 'status', 'help', 'maint', 'ticket', 'whois'];
  const hosts = ['web01', 'web02', 'web10', 'db12', 'db13', 'mail01'];

  it.each<[string, string, string[], string[]]>([
    ['transposed letters', 'srever', commands, ['server', 'servers']],
    ['one missing letter', 'hlp', commands, ['help']],
    ['upper case input matches', 'SREVER', commands, ['server', 'servers']],
    ['upper case candidates come back as given', 'help', ['HELP', 'Kelp'], ['HELP', 'Kelp']],
    ['short host name: zero-padded and prefixed hosts', 'web1', hosts, ['web01', 'web10']],
    ['a host one digit off', 'db14', hosts, ['db12', 'db13']],
    ['unrelated word', 'banana', commands, []],
    ['unrelated host', 'zzz', hosts, []],
    ['no candidates', 'server', [], []],
  ])('%s: %j', (_name, word, candidates, expected) => {
    expect(closest(word, candidates)).toEqual(expected);
  });

  it('puts the nearest first, ties in alphabetical order', () => {
    // 'statsu' is one swap from 'status' and one deletion from 'stats'
    // (a tie, so alphabetical); 'statue' is two substitutions away.
    expect(closest('statsu', ['statue', 'status', 'stats'])).toEqual(['stats', 'status', 'statue']);
  });

  it('returns at most `limit` suggestions', () => {
    const many = ['web01', 'web02', 'web03', 'web04', 'web05', 'web06'];
    expect(closest('web0', many)).toHaveLength(3);
    expect(closest('web0', many, 2)).toEqual(['web01', 'web02']);
    expect(closest('web0', many, 10)).toEqual(many);
  });

  it('does not repeat a candidate listed twice', () => {
    expect(closest('srever', ['server', 'server'])).toEqual(['server']);
  });

  it('allows more edits for longer words', () => {
    // 9 letters: up to 3 edits.
    expect(closest('mainteanc', ['maintenance'])).toEqual(['maintenance']);
    // 3 letters: only one edit.
    expect(closest('hpe', ['help'])).toEqual([]);
  });

  it('scans a large candidate list', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `host${String(i).padStart(5, '0')}`);
    expect(closest('host01234', names)).toContain('host01234');
    expect(closest('hots01234', names)[0]).toBe('host01234');
  });
});
