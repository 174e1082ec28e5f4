import { describe, expect, it } from 'vitest';
import { Links } from '../../src/links.js';

describe('links in chat', () => {
  it('point to the status board when it is on', () => {
    const l = new Links('https://ops.example.com/', true);
    expect(l.alert(7)).toBe('https://ops.example.com/alerts/7');
    expect(l.ticket(42)).toBe('https://ops.example.com/tickets/42');
    expect(l.alerts(new URLSearchParams({ status: 'firing', host: 'web01' }))).toBe('https://ops.example.com/alerts?status=firing&host=web01');
    expect(l.tickets(new URLSearchParams({ status: 'active', q: 'disk full' }))).toBe('https://ops.example.com/tickets?status=active&q=disk+full');
    expect(l.servers({ role: 'db', name: 'web*' })).toBe('https://ops.example.com/?q=db+web');
    expect(l.servers({})).toBe('https://ops.example.com/');
  });

  it('point to the JSON API when the board is off', () => {
    const l = new Links('https://ops.example.com', false);
    expect(l.alert(7)).toBe('https://ops.example.com/api/v1/alerts/7');
    expect(l.ticket(42)).toBe('https://ops.example.com/api/v1/tickets/42');
    expect(l.servers({ name: 'web*' })).toBe('https://ops.example.com/api/v1/servers?name=web*');
  });

  it('are left out without a public URL', () => {
    const l = new Links(undefined, true);
    expect([l.alert(1), l.ticket(1), l.servers({}), l.alerts(new URLSearchParams())]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
