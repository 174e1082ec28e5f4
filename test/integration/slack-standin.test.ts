/**
 * Proves the Slack stand-in against the REAL @slack/bolt App in Socket Mode: the same code path the
 * bot uses against slack.com (Web API over fetch, Socket Mode over undici's WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, LogLevel, webApi } from '@slack/bolt';
import { WebSocket as WsClient } from 'ws';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.js';

const { WebClient, ErrorCode } = webApi;
type WebClient = InstanceType<typeof webApi.WebClient>;
type Raw = Record<string, unknown>;

/** Bolt keeps its SocketModeReceiver private; the underlying SocketModeClient emits raw events by type. */
interface RawSocketClient {
  on(event: string, fn: (args: { event?: Raw; body?: Raw }) => void): void;
}
function socketClient(app: App): RawSocketClient {
  return (app as unknown as { receiver: { client: RawSocketClient } }).receiver.client;
}

function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('Slack stand-in driven by the real Bolt App (socket mode)', () => {
  let standin: SlackStandin;
  let app: App;
  const messages: Raw[] = [];
  const mentions: Raw[] = [];
  const rawMessageEvents: Raw[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    standin = await startSlackStandin();
    standin.addUser({ id: 'UALICE01', name: 'alice', displayName: 'Alice', realName: 'Alice Admin' });
    standin.addUser({ id: 'UBOB0001', name: 'bob' });
    standin.addChannel({ id: 'C0OPS0001', name: 'ops' });
    standin.addChannel({ id: 'C0DEV0001', name: 'dev' });

    // The stand-in must be up before `new App`: Bolt calls auth.test from the constructor.
    app = new App({
      token: standin.botToken,
      appToken: standin.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: {
        slackApiUrl: standin.apiUrl,
        // Default is ten retries over ~30 min with ≥1 s backoff; keep 429 tests fast. Retry-After is
        // still honoured: the WebClient sleeps Retry-After seconds before p-retry's own backoff.
        retryConfig: { retries: 3, minTimeout: 10, maxTimeout: 50 },
      },
    });
    app.error(async (e) => {
      errors.push(e);
    });
    app.message(async ({ message }) => {
      messages.push(message as unknown as Raw);
    });
    app.message('ping', async ({ say }) => {
      await say('pong');
    });
    app.event('app_mention', async ({ event, say }) => {
      mentions.push(event as unknown as Raw);
      await say({ text: `hi <@${event.user}>`, thread_ts: event.ts });
    });
    app.command('/ops', async ({ command, ack, respond }) => {
      await ack({ response_type: 'ephemeral', text: `working on: ${command.text}` });
      await respond({ response_type: 'in_channel', text: `done: ${command.text} (by ${command.user_name})` });
    });
    socketClient(app).on('message', ({ event }) => {
      if (event) rawMessageEvents.push(event);
    });
    await app.start();
  });

  afterAll(async () => {
    await app?.stop();
    await standin?.stop();
  });

  it('app.start() verified the bot token and connected over Socket Mode', async () => {
    expect(standin.connections()).toBe(1);
    const authTest = standin.calls.find((c) => c.method === 'auth.test');
    expect(authTest?.token).toBe(standin.botToken);
    const open = standin.calls.filter((c) => c.method === 'apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe(standin.appToken);
    const auth = await app.client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'UBOT0001', bot_id: 'BBOT0001', team_id: 'T00000001', is_enterprise_install: false });
  });

  it('delivers a user message to app.message, and the event is acked', async () => {
    const ts = await standin.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'hello <@UBOB0001>' });
    await until(() => messages.some((m) => m.ts === ts), 5000, 'the message handler');
    const m = messages.find((x) => x.ts === ts);
    expect(m).toMatchObject({ type: 'message', channel: 'C0OPS0001', user: 'UALICE01', text: 'hello <@UBOB0001>', channel_type: 'channel', team: 'T00000001' });
    expect(m?.subtype).toBeUndefined();
    const env = standin.envelopes.find((e) => (e.payload.event as Raw | undefined)?.ts === ts);
    expect(env).toMatchObject({ type: 'events_api', acked: true });
    expect(env?.payload).toMatchObject({ type: 'event_callback', api_app_id: 'A00000001', authorizations: [{ user_id: 'UBOT0001', is_bot: true }] });

    const reply = await standin.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: 'in a thread', thread_ts: ts });
    await until(() => messages.some((x) => x.ts === reply), 5000, 'the threaded message');
    expect(messages.find((x) => x.ts === reply)).toMatchObject({ thread_ts: ts, parent_user_id: 'UALICE01' });

    const dm = await standin.sendMessage({ channel: 'D0ALICE01', user: 'UALICE01', text: 'psst' });
    await until(() => messages.some((x) => x.ts === dm), 5000, 'the DM');
    expect(messages.find((x) => x.ts === dm)).toMatchObject({ channel_type: 'im' });
  });

  it('say() posts via chat.postMessage; the echoed bot message arrives with bot_id and Bolt ignores it', async () => {
    const before = messages.length;
    const ts = await standin.sendMessage({ channel: 'C0DEV0001', user: 'UBOB0001', text: 'ping' });
    const pong = await standin.waitForPost((p) => p.channel === 'C0DEV0001' && p.text === 'pong');
    expect(pong).toMatchObject({ method: 'chat.postMessage', via: 'api' });
    expect(Number(pong.ts)).toBeGreaterThan(Number(ts));
    await until(() => rawMessageEvents.some((e) => e.ts === pong.ts), 5000, 'the echo over the socket');
    const echo = rawMessageEvents.find((e) => e.ts === pong.ts);
    expect(echo).toMatchObject({ type: 'message', bot_id: 'BBOT0001', user: 'UBOT0001', text: 'pong', channel: 'C0DEV0001' });
    await until(() => standin.envelopes.some((e) => (e.payload.event as Raw | undefined)?.ts === pong.ts && e.acked), 5000, 'ack of the echo');
    // ignoreSelf (on by default) dropped the echo: the handler only saw "ping".
    expect(messages.slice(before).map((m) => m.text)).toEqual(['ping']);
  });

  it('app.event("app_mention") receives a mention; reply is threaded', async () => {
    const ts = '1700000000.000100';
    await standin.sendEvent({ type: 'app_mention', user: 'UALICE01', text: '<@UBOT0001> status', ts, channel: 'C0OPS0001', team: 'T00000001' });
    await until(() => mentions.length > 0, 5000, 'the app_mention handler');
    expect(mentions[0]).toMatchObject({ type: 'app_mention', user: 'UALICE01', text: '<@UBOT0001> status', event_ts: ts });
    const reply = await standin.waitForPost((p) => p.thread_ts === ts);
    expect(reply).toMatchObject({ channel: 'C0OPS0001', text: 'hi <@UALICE01>' });
  });

  it('a slash command is acked with a payload and respond() reaches the response_url', async () => {
    const { ack } = await standin.sendSlashCommand({ command: '/ops', text: 'deploy web', user: 'UALICE01', channel: 'C0OPS0001' });
    expect(ack).toEqual({ response_type: 'ephemeral', text: 'working on: deploy web' });
    const env = standin.envelopes.find((e) => e.type === 'slash_commands');
    expect(env).toMatchObject({ accepts_response_payload: true, acked: true });
    expect(env?.payload).toMatchObject({ command: '/ops', text: 'deploy web', channel_name: 'ops', user_name: 'alice', is_enterprise_install: 'false' });
    const resp = await standin.waitForPost((p) => p.via === 'response_url');
    expect(resp).toMatchObject({ method: 'response_url', channel: 'C0OPS0001', text: 'done: deploy web (by alice)', response_type: 'in_channel' });
  });

  it('app.client.chat.postMessage is recorded in posted with its options', async () => {
    const res = await app.client.chat.postMessage({ channel: 'C0OPS0001', text: '*bold*', username: 'irc/carol', icon_emoji: ':robot_face:', mrkdwn: true });
    expect(res).toMatchObject({ ok: true, channel: 'C0OPS0001', message: { type: 'message', text: '*bold*', bot_id: 'BBOT0001', username: 'irc/carol', subtype: 'bot_message' } });
    const p = standin.posted.find((x) => x.ts === res.ts);
    expect(p).toMatchObject({ method: 'chat.postMessage', channel: 'C0OPS0001', text: '*bold*', username: 'irc/carol', icon_emoji: ':robot_face:', mrkdwn: true, via: 'api' });
    const call = standin.calls.filter((c) => c.method === 'chat.postMessage').at(-1);
    expect(call?.token).toBe(standin.botToken);
    expect(call?.args).toMatchObject({ channel: 'C0OPS0001', username: 'irc/carol' });

    await expect(app.client.chat.postMessage({ channel: 'C0NOPE000', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
  });

  it('a 429 with Retry-After: 1 is retried by the WebClient and posts exactly once', async () => {
    const firstCall = standin.calls.length;
    const postedBefore = standin.posted.length;
    standin.rateLimit(1, 1, 'chat.postMessage');
    const t0 = Date.now();
    const res = await app.client.chat.postMessage({ channel: 'C0OPS0001', text: 'after the limit' });
    const elapsed = Date.now() - t0;
    expect(res.ok).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    const attempts = standin.calls.slice(firstCall).filter((c) => c.method === 'chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(standin.posted.slice(postedBefore).filter((p) => p.text === 'after the limit')).toHaveLength(1);
  });

  it('disconnect(): the client reconnects via apps.connections.open and still receives events', async () => {
    // Let in-flight echoes be acked first: an ack racing the close handshake is lost (Bolt logs
    // SMSendWhileNotReadyError) and the stand-in would redeliver the event, as Slack does.
    await until(() => standin.envelopes.every((e) => e.acked), 5000, 'all envelopes acked');
    const opens = standin.calls.filter((c) => c.method === 'apps.connections.open').length;
    standin.disconnect();
    expect(standin.connections()).toBe(0);
    // socket-mode waits clientPingTimeout (5 s by default) × consecutive failures before reconnecting.
    await standin.waitForConnection(15_000);
    expect(standin.calls.filter((c) => c.method === 'apps.connections.open').length).toBe(opens + 1);
    const ts = await standin.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: 'after reconnect' });
    await until(() => messages.some((m) => m.ts === ts), 5000, 'a message after reconnect');
  }, 20_000);

  it('app.stop() closes the socket', async () => {
    await app.stop();
    await until(() => standin.connections() === 0, 5000, 'the socket to close');
    expect(errors).toEqual([]);
  });
});

describe('Slack stand-in Web API (plain WebClient)', () => {
  let standin: SlackStandin;
  let client: WebClient;

  beforeAll(async () => {
    standin = await startSlackStandin({ customizeAllowed: false });
    client = new WebClient(standin.botToken, { slackApiUrl: standin.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 } });
    for (let i = 1; i <= 5; i++) standin.addChannel({ id: `C0000000${i}`, name: `chan-${i}` });
    standin.addChannel({ id: 'C0SECRET1', name: 'secret', isPrivate: true });
    standin.addChannel({ id: 'C0NOTIN01', name: 'elsewhere', isMember: false });
    standin.addUser({ id: 'UCAROL001', name: 'carol', displayName: 'Carol', realName: 'Carol C' });
    standin.addUser({ id: 'UDEPLOY01', name: 'deploybot', isBot: true });
  });
  afterAll(async () => {
    await standin.stop();
  });

  it('refuses customisation without chat:write.customize', async () => {
    await expect(client.chat.postMessage({ channel: 'C00000001', text: 'x', username: 'irc/dave' })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'chat:write.customize' },
    });
    expect(standin.posted).toHaveLength(0);
    await expect(client.chat.postMessage({ channel: 'C0NOTIN01', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    const join = await client.conversations.join({ channel: 'C0NOTIN01' });
    expect(join.channel?.is_member).toBe(true);
    expect((await client.chat.postMessage({ channel: '#elsewhere', text: 'by name' })).channel).toBe('C0NOTIN01');
  });

  it('pages conversations.list with cursors and honours types', async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await client.conversations.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages++;
      for (const c of res.channels ?? []) names.push(c.name ?? '');
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toEqual(['chan-1', 'chan-2', 'chan-3', 'chan-4', 'chan-5', 'elsewhere']);
    const priv = await client.conversations.list({ types: 'private_channel' });
    expect(priv.channels?.map((c) => c.name)).toEqual(['secret']);
    const info = await client.conversations.info({ channel: 'C00000003' });
    expect(info.channel).toMatchObject({ id: 'C00000003', name: 'chan-3', is_channel: true, is_private: false });
    await expect(client.conversations.info({ channel: 'C0MISSING' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('serves users.info, users.list, bots.info; rejects bad tokens and unknown methods', async () => {
    const u = await client.users.info({ user: 'UCAROL001' });
    expect(u.user).toMatchObject({ id: 'UCAROL001', name: 'carol', real_name: 'Carol C', profile: { display_name: 'Carol', real_name: 'Carol C' } });
    const all = await client.users.list({});
    expect(all.members?.map((m) => m.id)).toEqual(expect.arrayContaining(['UBOT0001', 'UCAROL001', 'UDEPLOY01']));
    const bot = await client.users.info({ user: 'UDEPLOY01' });
    expect(bot.user?.is_bot).toBe(true);
    const botInfo = await client.bots.info({ bot: bot.user?.profile?.bot_id ?? '' });
    expect(botInfo.bot).toMatchObject({ name: 'deploybot', user_id: 'UDEPLOY01' });
    await expect(client.users.info({ user: 'UNOBODY01' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });

    const bad = new WebClient('xoxb-wrong', { slackApiUrl: standin.apiUrl, logLevel: LogLevel.ERROR });
    await expect(bad.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    await expect(client.apiCall('nope.nothing')).rejects.toMatchObject({ data: { ok: false, error: 'unknown_method' } });
    await expect(client.apps.connections.open()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
  });

  it('updates the bot’s own messages and sends ephemerals', async () => {
    const posted = await client.chat.postMessage({ channel: 'C00000001', text: 'v1' });
    const upd = await client.chat.update({ channel: 'C00000001', ts: posted.ts ?? '', text: 'v2' });
    expect(upd).toMatchObject({ ok: true, ts: posted.ts, text: 'v2' });
    const eph = await client.chat.postEphemeral({ channel: 'C00000001', user: 'UCAROL001', text: 'only you' });
    expect(eph.message_ts).toBeTruthy();
    expect(standin.posted.slice(-3).map((p) => [p.method, p.text])).toEqual([
      ['chat.postMessage', 'v1'],
      ['chat.update', 'v2'],
      ['chat.postEphemeral', 'only you'],
    ]);
    expect(standin.posted.at(-1)?.user).toBe('UCAROL001');
  });

  it('speaks Socket Mode: hello, envelopes, acks, redelivery of an unacked event after a dropped connection', async () => {
    type Frame = Raw & { payload?: Raw & { event?: Raw } };
    const isReaction = (f: Frame): boolean => f.type === 'events_api' && f.payload?.event?.type === 'reaction_added';
    /** A bare Socket Mode client on `ws`; acks every envelope except reaction_added ones. */
    const open = async (): Promise<{ ws: WsClient; frames: Frame[] }> => {
      const res = await new WebClient(standin.appToken, { slackApiUrl: standin.apiUrl, logLevel: LogLevel.ERROR }).apps.connections.open();
      expect(res.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
      const ws = new WsClient(res.url ?? '');
      const frames: Frame[] = [];
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as Frame;
        frames.push(f);
        if (typeof f.envelope_id === 'string' && !isReaction(f)) ws.send(JSON.stringify({ envelope_id: f.envelope_id }));
      });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      await until(() => frames.length > 0, 2000, 'hello');
      return { ws, frames };
    };
    const first = await open();
    expect(first.frames[0]).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: 'standin', approximate_connection_time: 18060 },
      connection_info: { app_id: 'A00000001' },
    });
    const delivered = standin.sendEvent({ type: 'reaction_added', user: 'UCAROL001', reaction: 'eyes', item: { type: 'message', channel: 'C00000001', ts: '1.000001' } });
    delivered.catch(() => undefined);
    await until(() => first.frames.some(isReaction), 2000, 'the envelope');
    const env = first.frames.find(isReaction) as Frame;
    expect(env).toMatchObject({ type: 'events_api', accepts_response_payload: false, retry_attempt: 0, retry_reason: '' });
    expect(env.payload).toMatchObject({ type: 'event_callback', team_id: 'T00000001', event: { reaction: 'eyes', event_ts: expect.any(String) } });
    // Drop the connection without acking: the event comes again on the next connection.
    first.ws.terminate();
    const second = await open();
    await until(() => second.frames.some(isReaction), 3000, 'the redelivered envelope');
    const again = second.frames.find(isReaction) as Frame;
    expect(again).toMatchObject({ type: 'events_api', retry_attempt: 1, retry_reason: 'timeout' });
    expect(again.envelope_id).not.toBe(env.envelope_id);
    expect(again.payload?.event_id).toBe(env.payload?.event_id);
    second.ws.send(JSON.stringify({ envelope_id: again.envelope_id, payload: {} }));
    await delivered;
    standin.disconnect();
    await until(() => second.frames.some((f) => f.type === 'disconnect'), 2000, 'the disconnect message');
    expect(second.frames.find((f) => f.type === 'disconnect')).toMatchObject({ reason: 'refresh_requested' });
    second.ws.close();
  });
});
