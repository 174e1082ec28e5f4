import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/ports.js';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.js';

/** The HTTP Events API: Slack POSTs signed events; the bot checks the signature and the age. */
const SECRET = 'test-signing-secret-0123456789';
let slack: SlackStandin;
let testBot: TestBot;
let url: string;

beforeAll(async () => {
  slack = await startSlackStandin();
  slack.addUser({ id: 'UALICE01', name: 'alice', displayName: 'Alice' });
  slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
  const port = await freePort();
  url = `http://127.0.0.1:${port}/slack/events`;
  testBot = await startTestBot({ slack: { mode: 'http', bot_token: slack.botToken, signing_secret: SECRET, api_url: slack.apiUrl, listen: `127.0.0.1:${port}` } });
  await eventually(() => testBot.bot.chatStatus().slack!.connected === true, 'the HTTP receiver up');
});
afterAll(async () => {
  await testBot.stop();
  await slack.stop();
});

function post(body: string, opts: { secret?: string; ageSeconds?: number } = {}) {
  const ts = Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0);
  const sig = 'v0=' + createHmac('sha256', opts.secret ?? SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
}

const event = (text: string) =>
  JSON.stringify({
    token: 'x',
    team_id: 'T00000001',
    api_app_id: 'A00000001',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2)}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'message', channel: 'C0OPS0001', channel_type: 'channel', user: 'UALICE01', text, ts: `${Date.now() / 1000}` },
  });

describe('Slack over the HTTP Events API', () => {
  it('answers a signed event', async () => {
    const r = await post(event('!whoami'));
    expect(r.status).toBe(200);
    await slack.waitForPost((p) => p.text === 'Alice is slack:UALICE01; role: viewer');
  });

  it('refuses a bad signature and a request older than five minutes, and runs nothing', async () => {
    const before = slack.posted.length;
    expect((await post(event('!whoami'), { secret: 'wrong-secret' })).status).toBe(401);
    expect((await post(event('!whoami'), { ageSeconds: 6 * 60 })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.posted.length).toBe(before);
  });

  it('answers Slack url_verification', async () => {
    const r = await post(JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' }));
    expect(await r.json()).toEqual({ challenge: 'c-123' });
  });
});
