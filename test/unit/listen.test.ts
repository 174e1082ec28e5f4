import { describe, expect, it } from 'vitest';
import { parseListen } from '../../src/net/listen.js';

describe('parseListen', () => {
  it.each<[string, { host: string; port: number } | null]>([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
    ['0.0.0.0:65536', null],
    [':8080', null],
    ['::1:8080', null],
    ['host:', null],
    ['host:port', null],
    ['a b:80', null],
  ])('%j', (s, expected) => {
    expect(parseListen(s)).toEqual(expected);
  });
});
