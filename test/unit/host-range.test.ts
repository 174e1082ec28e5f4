import { describe, expect, it } from 'vitest';
import { hostRange } from '../../src/domain/servers/host-range.js';

describe('hostRange', () => {
  it.each<[string[], string]>([
    [[], ''],
    [['web01'], 'web01'],
    [['web02', 'web01'], 'web01, web02'],
    [['web03', 'web01', 'web02'], 'web01…web03'],
    // numeric order, not text order
    [['web10', 'web9', 'web1'], 'web1…web10'],
    [['db7', 'db1', 'db3', 'db2', 'db4', 'db6', 'db5'], 'db1…db7'],
    // One naming pattern from first to last, whatever is in between.
    [['web01', 'web02.example.net', 'web30'], 'web01…web30'],
    [['web1.example.net', 'web3.example.net', 'web2.example.net'], 'web1.example.net…web3.example.net'],
    // First and last of different patterns: a range would name hosts that are not there.
    [['web30', 'db1', 'web02'], '3 hosts'],
    [['alpha', 'beta', 'gamma', 'delta'], '4 hosts'],
    [['10.0.0.1', '10.0.0.2', '10.0.0.3'], '3 hosts'],
    // Two are always named.
    [['web30', 'db1'], 'db1, web30'],
  ])('%j → %j', (hosts, range) => {
    expect(hostRange(hosts)).toBe(range);
  });

  it('does not change the array it is given', () => {
    const hosts = ['web03', 'web01', 'web02'];
    hostRange(hosts);
    expect(hosts).toEqual(['web03', 'web01', 'web02']);
  });
});
