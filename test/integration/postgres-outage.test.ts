import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

/**
 * PostgreSQL stopped and started again under ingest: every 202 was
 * committed, the rest were refused with 503 and Retry-After (never a 202
 * that was not stored), and the bot recovers by itself, delivering what it
 * accepted.
 */
const TOKEN = 'outage-token-0123456789';

describe('PostgreSQL down under ingest', () => {
  let pg: Postgres;
  let t: TestBot;
  beforeAll(async () => {
    pg = await startPostgres();
    t = await startTestBot({ database: await pg.createDatabase(), http: { listen: '127.0.0.1:0', token: TOKEN }, alerts: { routes: [{ to: ['console'] }], digest_after: '0s' } });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await pg?.stop();
  });

  it('answers 503 with Retry-After while it is down, loses no 202, and resumes on its own', async () => {
    const base = `http://127.0.0.1:${t.bot.http.port}`;
    const accepted = new Map<number, string>();
    const refused: { status: number; retryAfter: string | null; error: string }[] = [];
    let n = 0;
    let stop = false;
    const sender = (async () => {
      while (!stop) {
        const title = `outage-${n++}`;
        const res = await fetch(`${base}/api/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ title, severity: 'warning', host: 'web01' }) });
        const body = (await res.json()) as { alerts?: Array<{ id: number }>; error?: string };
        if (res.status === 202) accepted.set(body.alerts![0]!.id, title);
        else refused.push({ status: res.status, retryAfter: res.headers.get('retry-after'), error: body.error ?? '' });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await eventually(() => accepted.size >= 50, 'alerts accepted before the outage', 20_000);
    await pg.crash();
    await eventually(() => refused.length >= 3, 'alerts refused while the database is down', 30_000);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    await pg.restart();
    const acceptedBefore = accepted.size;
    await eventually(() => accepted.size >= acceptedBefore + 50, 'alerts accepted again after the database came back', 30_000);
    stop = true;
    await sender;

    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(r.error).toMatch(/unavailable/);
      expect(r.error).not.toContain(pg.password);
    }
    // Every 202 is in the store, as posted, and reaches the chat.
    const db = t.bot.core.db;
    const stored = new Map((await db.all<{ id: number; name: string }>('SELECT id, name FROM alerts')).map((r) => [r.id, r.name]));
    for (const [id, title] of accepted) expect(stored.get(id)).toBe(title);
    await eventually(async () => (await db.value<number>('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL')) === 0, 'every accepted alert delivered', 30_000);
    expect((await (await fetch(`${base}/healthz`)).json()) as { node: { role: string } }).toMatchObject({ node: { role: 'leader' } });
  }, 120_000);
});
