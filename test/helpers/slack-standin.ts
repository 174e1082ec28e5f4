/**
 * A local stand-in for Slack: the Web API (HTTP), Socket Mode (WebSocket) and slash-command
 * response_urls, faithful enough to drive the real @slack/bolt App (socket mode) against it.
 *
 * Formats follow Slack's documentation:
 *   - Web API: POST (or GET) to `<apiUrl><method>`, form-urlencoded or JSON body, token in
 *     `Authorization: Bearer` (or a `token` form field). Always HTTP 200 with `{ok:…}`, except
 *     rate limiting, which is HTTP 429 + `Retry-After` (seconds).
 *   - Socket Mode: `apps.connections.open` (app-level token) returns a single-use
 *     `ws://127.0.0.1:PORT/link/?ticket=…&app_id=…` URL; on connect the server sends `hello`;
 *     envelopes `{envelope_id, payload, type, accepts_response_payload, retry_attempt, retry_reason}`;
 *     the client acks with `{envelope_id, payload?}`; `{type:'disconnect'}` asks the client to reconnect.
 *   - Messages the bot posts are echoed back over the socket as `message` events carrying
 *     `bot_id` (and `user` = the bot user), as real Slack does, so the bot must ignore its own posts.
 *     chat.update is echoed as `message_changed`, chat.delete as `message_deleted`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WebSocketServer, WebSocket, type RawData } from 'ws';

export interface PostedMessage {
  method: string;
  channel: string;
  text: string;
  ts: string;
  thread_ts?: string;
  username?: string;
  icon_url?: string;
  icon_emoji?: string;
  /** For chat.postEphemeral: the user the ephemeral message is shown to. */
  user?: string;
  blocks?: unknown;
  via: 'api' | 'response_url';
  response_type?: string;
  mrkdwn?: boolean;
}

export interface ApiCall {
  method: string;
  /** Parsed request arguments (query string + body). Form values are strings, as sent. */
  args: Record<string, unknown>;
  token?: string;
  at: number;
  /** HTTP status the stand-in answered (200, or 429 when rate limited). */
  status: number;
}

/** One Socket Mode envelope the stand-in sent, and the client's ack (if any). */
export interface SocketEnvelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands' | string;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  /** 0 for the first delivery; redeliveries after a dropped connection count up. */
  retry_attempt?: number;
  sentAt: number;
  acked: boolean;
  /** `payload` of the client's ack message (`undefined` when the ack carried none). */
  ackPayload?: unknown;
}

export interface SlackStandin {
  /** Base URL for the Web API, ending in '/', e.g. http://127.0.0.1:PORT/api/ — pass as WebClient/Bolt `clientOptions.slackApiUrl`. */
  apiUrl: string;
  botToken: string;
  appToken: string;
  botUserId: string;
  botId: string;
  teamId: string;
  appId: string;
  /** Every Web API call received: method, parsed args (JSON or form), token. */
  calls: ApiCall[];
  /** Messages the bot posted (chat.postMessage, chat.postEphemeral, chat.update, and response_url posts), in order. */
  posted: PostedMessage[];
  /** Every Socket Mode envelope sent to the bot (events, slash commands, echoes), with its ack. */
  envelopes: SocketEnvelope[];
  addUser(u: { id: string; name: string; displayName?: string; realName?: string; isBot?: boolean }): void;
  /** conversations.list/info serve these. `isMember` (default true): whether the bot is in the channel. */
  addChannel(c: { id: string; name: string; isPrivate?: boolean; isMember?: boolean }): void;
  /** Updates the name and emits a channel_rename (group_rename for private channels) event; resolves on ack. */
  renameChannel(id: string, name: string): Promise<void>;
  /** Sends an events_api envelope wrapping `event` in a full event_callback payload; resolves when acked, rejects after a timeout. */
  sendEvent(event: Record<string, unknown>): Promise<void>;
  /** A user's message event; returns its ts (for `edited`, the ts of the edited message). */
  sendMessage(m: {
    channel: string;
    user: string;
    text: string;
    thread_ts?: string;
    subtype?: string;
    files?: unknown[];
    edited?: boolean;
  }): Promise<string>;
  /** A slash_commands envelope; resolves with the ack payload (undefined when the bot acked without one). */
  sendSlashCommand(c: { command: string; text: string; user: string; channel: string }): Promise<{ ack: unknown }>;
  /** The next `n` Web API calls of `method` (or any method) answer HTTP 429 + Retry-After. */
  rateLimit(n: number, retryAfterSeconds: number, method?: string): void;
  /**
   * Asks every open socket to reconnect: sends `{type:'disconnect', reason}` (default 'refresh_requested')
   * and closes the socket after `graceMs` (default 2000) if the client has not. `hard: true` instead drops
   * the TCP connection at once without a message. The sockets stop counting in connections() immediately.
   */
  disconnect(opts?: { reason?: string; hard?: boolean; graceMs?: number }): void;
  /** Number of currently open (and not disconnect()-ed) socket connections. */
  connections(): number;
  waitForConnection(timeoutMs?: number): Promise<void>;
  waitForPost(pred: (m: PostedMessage) => boolean, timeoutMs?: number): Promise<PostedMessage>;
  stop(): Promise<void>;
}

export interface StandinOptions {
  /** Whether the bot token has chat:write.customize (username/icon overrides). Default true. */
  customizeAllowed?: boolean;
  /** How long sendEvent/sendSlashCommand wait for a connection and an ack. Default 5000 ms. */
  ackTimeoutMs?: number;
}

type Json = Record<string, unknown>;

interface UserRec {
  id: string;
  name: string;
  displayName: string;
  realName: string;
  isBot: boolean;
  botId?: string;
  appId?: string;
  updated: number;
}

interface ChannelRec {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  /** For IMs: the other user. */
  user?: string;
  isMember: boolean;
  created: number;
  previousNames: string[];
}

interface Conn {
  ws: WebSocket;
  retired: boolean;
}

interface Pending {
  record: SocketEnvelope;
  conn: Conn;
  deadline: number;
  resolve: (r: SocketEnvelope) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const TEAM_ID = 'T00000001';
const TEAM_NAME = 'Standin';
const TEAM_DOMAIN = 'standin';
const APP_ID = 'A00000001';
const BOT_USER_ID = 'UBOT0001';
const BOT_ID = 'BBOT0001';
const BOT_NAME = 'opsbridge';
const VERIFICATION_TOKEN = 'standinverificationtoken0';
const MAX_RESPONSE_URL_USES = 5;

function randomId(len: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(len);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v === 'true' || v === '1';
  return undefined;
}

/** Form bodies carry objects/arrays as JSON strings (that is how Slack and the WebClient encode them). */
function jsonish(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('[') || t.startsWith('{'))) return v;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return v;
  }
}

function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The rich_text block Slack attaches to a user-typed message. */
function richTextBlocks(text: string): Json[] {
  const elements: Json[] = [];
  const re = /<([^>]+)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) elements.push({ type: 'text', text: unescapeSlack(text.slice(last, m.index)) });
    const inner = m[1] ?? '';
    const [target = '', label] = inner.split('|');
    if (target.startsWith('@')) elements.push({ type: 'user', user_id: target.slice(1) });
    else if (target.startsWith('#')) elements.push({ type: 'channel', channel_id: target.slice(1) });
    else if (target.startsWith('!subteam^')) elements.push({ type: 'usergroup', usergroup_id: target.slice(9) });
    else if (target.startsWith('!')) {
      const name = target.slice(1);
      if (name === 'here' || name === 'channel' || name === 'everyone') elements.push({ type: 'broadcast', range: name });
      else elements.push({ type: 'text', text: label ?? name });
    } else elements.push(label !== undefined ? { type: 'link', url: target, text: label } : { type: 'link', url: target });
    last = re.lastIndex;
  }
  if (last < text.length) elements.push({ type: 'text', text: unescapeSlack(text.slice(last)) });
  return [{ type: 'rich_text', block_id: randomId(5, 'abcdefghijklmnopqrstuvwxyz0123456789'), elements: [{ type: 'rich_text_section', elements }] }];
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function unb64(s: string): string | undefined {
  try {
    const out = Buffer.from(s, 'base64').toString('utf8');
    return b64(out) === s ? out : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startSlackStandin(opts: StandinOptions = {}): Promise<SlackStandin> {
  const customizeAllowed = opts.customizeAllowed !== false;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
  const botToken = `xoxb-1-${randomId(12, '0123456789')}-${randomId(24, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
  const appToken = `xapp-1-${APP_ID}-${randomId(12, '0123456789')}-${randomId(32, '0123456789abcdef')}`;
  const created = Math.floor(Date.now() / 1000);

  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const calls: ApiCall[] = [];
  const posted: PostedMessage[] = [];
  const envelopes: SocketEnvelope[] = [];
  const users = new Map<string, UserRec>();
  const channels = new Map<string, ChannelRec>();
  /** channel id → ts → message object (as Slack would return it in history). */
  const history = new Map<string, Map<string, Json>>();
  const responseUrls = new Map<string, { channel: string; user: string; uses: number }>();
  const tickets = new Set<string>();
  const conns = new Set<Conn>();
  const pending = new Map<string, Pending>();
  const rateLimits: { remaining: number; retryAfter: number; method?: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  let lastMicros = 0n;
  function nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    lastMicros = now > lastMicros ? now : lastMicros + 1n;
    return `${lastMicros / 1_000_000n}.${(lastMicros % 1_000_000n).toString().padStart(6, '0')}`;
  }

  users.set(BOT_USER_ID, {
    id: BOT_USER_ID,
    name: BOT_NAME,
    displayName: '',
    realName: BOT_NAME,
    isBot: true,
    botId: BOT_ID,
    appId: APP_ID,
    updated: created,
  });
  users.set('USLACKBOT', {
    id: 'USLACKBOT',
    name: 'slackbot',
    displayName: 'Slackbot',
    realName: 'Slackbot',
    isBot: false,
    updated: 0,
  });

  // ---------------------------------------------------------------- object builders

  function userObject(u: UserRec): Json {
    const image = (n: number): string => `https://avatars.standin.invalid/${u.id}_${n}.png`;
    const [first = '', ...rest] = u.realName.split(' ');
    const profile: Json = {
      title: '',
      phone: '',
      skype: '',
      real_name: u.realName,
      real_name_normalized: u.realName,
      display_name: u.displayName,
      display_name_normalized: u.displayName,
      fields: null,
      status_text: '',
      status_emoji: '',
      status_emoji_display_info: [],
      status_expiration: 0,
      avatar_hash: 'g000000000aa',
      first_name: first,
      last_name: rest.join(' '),
      image_24: image(24),
      image_32: image(32),
      image_48: image(48),
      image_72: image(72),
      image_192: image(192),
      image_512: image(512),
      team: TEAM_ID,
    };
    if (u.botId) {
      profile.bot_id = u.botId;
      profile.api_app_id = u.appId ?? '';
      profile.always_active = true;
    }
    return {
      id: u.id,
      team_id: TEAM_ID,
      name: u.name,
      deleted: false,
      color: '9f69e7',
      real_name: u.realName,
      tz: 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      profile,
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.isBot,
      is_app_user: false,
      updated: u.updated,
      is_email_confirmed: !u.isBot,
      who_can_share_contact_card: 'EVERYONE',
    };
  }

  function botProfile(): Json {
    return {
      id: BOT_ID,
      deleted: false,
      name: BOT_NAME,
      updated: created,
      app_id: APP_ID,
      icons: {
        image_36: 'https://avatars.standin.invalid/bot_36.png',
        image_48: 'https://avatars.standin.invalid/bot_48.png',
        image_72: 'https://avatars.standin.invalid/bot_72.png',
      },
      team_id: TEAM_ID,
    };
  }

  function channelObject(c: ChannelRec): Json {
    if (c.isIm) {
      return {
        id: c.id,
        created: c.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: TEAM_ID,
        updated: c.created * 1000,
        user: c.user ?? '',
        is_user_deleted: false,
        priority: 0,
      };
    }
    const legacyGroup = c.isPrivate && c.id.startsWith('G');
    return {
      id: c.id,
      name: c.name,
      is_channel: !legacyGroup,
      is_group: legacyGroup,
      is_im: false,
      is_mpim: false,
      is_private: c.isPrivate,
      created: c.created,
      is_archived: false,
      is_general: c.name === 'general',
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: TEAM_ID,
      updated: c.created * 1000,
      parent_conversation: null,
      creator: 'USLACKBOT',
      is_ext_shared: false,
      shared_team_ids: [TEAM_ID],
      pending_connected_team_ids: [],
      is_member: c.isMember,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [...c.previousNames],
      num_members: 0,
    };
  }

  function channelType(c: ChannelRec | undefined, id: string): string {
    if (c?.isIm || id.startsWith('D')) return 'im';
    if (c?.isPrivate) return 'group';
    return 'channel';
  }

  function dmFor(userId: string): ChannelRec {
    for (const c of channels.values()) if (c.isIm && c.user === userId) return c;
    const c: ChannelRec = {
      id: `D${userId.replace(/^[UW]/, '')}`,
      name: userId,
      isPrivate: true,
      isIm: true,
      user: userId,
      isMember: true,
      created: Math.floor(Date.now() / 1000),
      previousNames: [],
    };
    channels.set(c.id, c);
    return c;
  }

  /** chat.* accept a channel ID, a `#name`/name, or a user ID (opens the DM). */
  function resolveChannel(ref: string | undefined): ChannelRec | undefined {
    if (!ref) return undefined;
    const byId = channels.get(ref);
    if (byId) return byId;
    if (/^[UW][A-Z0-9]+$/.test(ref) && users.has(ref)) return dmFor(ref);
    const name = ref.replace(/^#/, '');
    for (const c of channels.values()) if (!c.isIm && c.name === name) return c;
    return undefined;
  }

  function store(channel: string, msg: Json): void {
    let h = history.get(channel);
    if (!h) history.set(channel, (h = new Map()));
    const ts = str(msg.ts);
    if (ts) h.set(ts, msg);
  }

  function record(p: PostedMessage): void {
    posted.push(p);
    emitter.emit('post', p);
  }

  // ---------------------------------------------------------------- socket mode

  function activeConns(): Conn[] {
    return [...conns].filter((c) => !c.retired && c.ws.readyState === WebSocket.OPEN);
  }

  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function waitFor<T>(check: () => T | undefined, events: string[], timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = check();
      if (first !== undefined) return resolve(first);
      const onEvent = (): void => {
        const v = check();
        if (v !== undefined) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`slack stand-in: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const onStop = (): void => {
        cleanup();
        reject(new Error(`slack stand-in: stopped while waiting for ${what}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        for (const e of events) emitter.off(e, onEvent);
        emitter.off('stop', onStop);
      };
      for (const e of events) emitter.on(e, onEvent);
      emitter.on('stop', onStop);
    });
  }

  function activeConn(): Conn | undefined {
    const a = activeConns();
    return a[a.length - 1];
  }

  function deliver(p: Pending, conn: Conn, attempt: number): void {
    const rec: SocketEnvelope = {
      envelope_id: randomUUID(),
      type: p.record.type,
      payload: p.record.payload,
      accepts_response_payload: p.record.accepts_response_payload,
      retry_attempt: attempt,
      sentAt: Date.now(),
      acked: false,
    };
    pending.delete(p.record.envelope_id);
    p.record = rec;
    p.conn = conn;
    envelopes.push(rec);
    pending.set(rec.envelope_id, p);
    conn.ws.send(
      JSON.stringify({
        envelope_id: rec.envelope_id,
        payload: rec.payload,
        type: rec.type,
        accepts_response_payload: rec.accepts_response_payload,
        retry_attempt: attempt,
        retry_reason: attempt === 0 ? '' : 'timeout',
      }),
    );
  }

  /**
   * Like Slack, an events_api envelope left unacked when its connection drops is redelivered (new
   * envelope_id, same event_id, retry_attempt + 1, retry_reason 'timeout') on the next connection, up
   * to 3 retries, within the original ack deadline. Slash commands are not redelivered.
   */
  function redeliver(p: Pending): void {
    const attempt = (p.record.retry_attempt ?? 0) + 1;
    if (p.record.type !== 'events_api' || attempt > 3 || stopped) return;
    const remaining = p.deadline - Date.now();
    if (remaining <= 0) return;
    const envelopeId = p.record.envelope_id;
    waitFor(activeConn, ['connection'], remaining, 'a connection to redeliver an envelope').then(
      (conn) => {
        if (pending.get(envelopeId) === p) deliver(p, conn, attempt);
      },
      () => undefined,
    );
  }

  async function sendEnvelope(
    type: string,
    payload: Json,
    acceptsResponsePayload: boolean,
    timeoutMs = ackTimeoutMs,
  ): Promise<SocketEnvelope> {
    if (stopped) throw new Error('slack stand-in: stopped');
    const deadline = Date.now() + timeoutMs;
    const conn = await waitFor(activeConn, ['connection'], timeoutMs, `a Socket Mode connection to deliver a ${type} envelope`);
    return new Promise<SocketEnvelope>((resolve, reject) => {
      const p: Pending = {
        record: { envelope_id: '', type, payload, accepts_response_payload: acceptsResponsePayload, sentAt: 0, acked: false },
        conn,
        deadline,
        resolve,
        reject,
        timer: setTimeout(() => {
          pending.delete(p.record.envelope_id);
          reject(new Error(`slack stand-in: no ack for ${type} envelope ${p.record.envelope_id} within ${timeoutMs} ms`));
        }, Math.max(1, deadline - Date.now())),
      };
      deliver(p, conn, 0);
    });
  }

  function eventCallback(event: Json): Json {
    const eventId = `Ev${randomId(9)}`;
    return {
      token: VERIFICATION_TOKEN,
      team_id: TEAM_ID,
      context_team_id: TEAM_ID,
      context_enterprise_id: null,
      api_app_id: APP_ID,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        { enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${b64(JSON.stringify({ et: event.type, tid: TEAM_ID, aid: APP_ID, cid: event.channel ?? null }))}`,
    };
  }

  async function sendEvent(event: Record<string, unknown>): Promise<void> {
    const ev: Json = { ...event };
    if (ev.event_ts === undefined) ev.event_ts = str(ev.ts) ?? nextTs();
    if (ev.type === 'message' && typeof ev.channel === 'string' && typeof ev.ts === 'string' && ev.subtype === undefined) {
      store(ev.channel, ev);
    }
    await sendEnvelope('events_api', eventCallback(ev), false);
  }

  /** Fire-and-forget delivery of an event Slack itself generates (echoes, joins); never rejects. */
  function emitEvent(event: Json): void {
    later(0, () => {
      if (stopped) return;
      sendEnvelope('events_api', eventCallback(event), false).catch(() => undefined);
    });
  }

  // ---------------------------------------------------------------- HTTP server

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error', detail: String(err) });
      else res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket');
    if (!url.pathname.startsWith('/link') || !ticket || !tickets.delete(ticket) || stopped) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    const conn: Conn = { ws, retired: false };
    conns.add(conn);
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const m = msg as Json;
      const id = str(m.envelope_id);
      if (!id) return;
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      clearTimeout(p.timer);
      p.record.acked = true;
      p.record.ackPayload = m.payload;
      emitter.emit('ack', p.record);
      p.resolve(p.record);
    });
    ws.on('close', () => {
      conns.delete(conn);
      for (const p of [...pending.values()]) if (p.conn === conn) redeliver(p);
      emitter.emit('close');
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: activeConns().length,
        debug_info: { host: 'standin', approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
    emitter.emit('connection');
  }

  // Slack pings its Socket Mode clients periodically; `ws` answers the client's pings itself.
  const pingTimer = setInterval(() => {
    for (const c of activeConns()) c.ws.ping(Buffer.from(`ping from standin ${Date.now()}`));
  }, 10_000);
  pingTimer.unref();

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (url.pathname.startsWith('/commands/')) return handleResponseUrl(req, res, url);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

  // ---------------------------------------------------------------- response_url

  async function handleResponseUrl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const raw = await readBody(req);
    const key = url.pathname;
    const entry = responseUrls.get(key);
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('method_not_allowed');
      return;
    }
    if (!entry) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('expired_url');
      return;
    }
    if (entry.uses >= MAX_RESPONSE_URL_USES) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('used_url');
      return;
    }
    let body: Json;
    try {
      const ct = req.headers['content-type'] ?? '';
      if (ct.includes('application/x-www-form-urlencoded')) {
        const payload = new URLSearchParams(raw).get('payload');
        body = payload ? (JSON.parse(payload) as Json) : {};
      } else body = JSON.parse(raw || '{}') as Json;
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('invalid_payload');
      return;
    }
    const text = str(body.text) ?? '';
    if (!text && body.blocks === undefined && body.attachments === undefined && !bool(body.delete_original)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('no_text');
      return;
    }
    entry.uses += 1;
    const responseType = str(body.response_type) ?? 'ephemeral';
    const ts = nextTs();
    const p: PostedMessage = { method: 'response_url', channel: entry.channel, text, ts, via: 'response_url', response_type: responseType };
    const threadTs = str(body.thread_ts);
    if (threadTs) p.thread_ts = threadTs;
    if (body.blocks !== undefined) p.blocks = jsonish(body.blocks);
    const mrkdwn = bool(body.mrkdwn);
    if (mrkdwn !== undefined) p.mrkdwn = mrkdwn;
    record(p);
    sendJson(res, 200, { ok: true });
    if (responseType === 'in_channel') {
      const ch = channels.get(entry.channel);
      const msg: Json = { type: 'message', text, user: BOT_USER_ID, bot_id: BOT_ID, app_id: APP_ID, ts, team: TEAM_ID, bot_profile: botProfile() };
      if (threadTs) msg.thread_ts = threadTs;
      if (p.blocks !== undefined) msg.blocks = p.blocks;
      store(entry.channel, msg);
      emitEvent({ ...msg, channel: entry.channel, event_ts: ts, channel_type: channelType(ch, entry.channel) });
    }
  }

  // ---------------------------------------------------------------- Web API

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const raw = await readBody(req);
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    const args: Json = {};
    for (const [k, v] of url.searchParams) args[k] = v;
    let isJson = false;
    let badBody: string | undefined;
    if (raw.length > 0) {
      if (ct.startsWith('application/json')) {
        isJson = true;
        try {
          const parsed = JSON.parse(raw) as unknown;
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(args, parsed);
          else badBody = 'invalid_json';
        } catch {
          badBody = 'invalid_json';
        }
      } else if (ct.startsWith('application/x-www-form-urlencoded') || ct === '') {
        for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
      } else {
        badBody = 'invalid_form_data';
      }
    }
    const auth = req.headers.authorization;
    let token: string | undefined;
    if (auth && /^Bearer\s+/i.test(auth)) token = auth.replace(/^Bearer\s+/i, '').trim();
    // Slack reads a body `token` only from form bodies; JSON bodies must use the header.
    else if (!isJson && typeof args.token === 'string') token = args.token;

    const call: ApiCall = { method, args, at: Date.now(), status: 200 };
    if (token !== undefined) call.token = token;
    calls.push(call);
    emitter.emit('call', call);

    const limitIdx = rateLimits.findIndex((r) => r.remaining > 0 && (r.method === undefined || r.method === method));
    const limit = limitIdx >= 0 ? rateLimits[limitIdx] : undefined;
    if (limit) {
      limit.remaining -= 1;
      if (limit.remaining <= 0) rateLimits.splice(limitIdx, 1);
      call.status = 429;
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfter) });
      return;
    }

    const after: (() => void)[] = [];
    const result = badBody ? { ok: false, error: badBody } : dispatch(method, args, token, after);
    sendJson(res, 200, result);
    for (const fn of after) fn();
  }

  function authError(token: string | undefined, kind: 'bot' | 'app'): Json | undefined {
    if (!token) return { ok: false, error: 'not_authed' };
    const want = kind === 'bot' ? botToken : appToken;
    const other = kind === 'bot' ? appToken : botToken;
    if (token === want) return undefined;
    if (token === other) return { ok: false, error: 'not_allowed_token_type' };
    return { ok: false, error: 'invalid_auth' };
  }

  function paginate<T>(items: T[], idOf: (t: T) => string, prefix: string, args: Json, defaultLimit: number):
    | { page: T[]; next: string }
    | { error: string } {
    let limit = Number(str(args.limit) ?? defaultLimit);
    if (!Number.isFinite(limit) || limit <= 0) limit = defaultLimit > 0 ? defaultLimit : items.length || 1;
    limit = Math.min(limit, 1000);
    let start = 0;
    const cursor = str(args.cursor);
    if (cursor) {
      const decoded = unb64(cursor);
      if (!decoded || !decoded.startsWith(`${prefix}:`)) return { error: 'invalid_cursor' };
      const id = decoded.slice(prefix.length + 1);
      start = items.findIndex((t) => idOf(t) === id);
      if (start < 0) return { error: 'invalid_cursor' };
    }
    const page = items.slice(start, start + limit);
    const nextItem = items[start + limit];
    return { page, next: nextItem === undefined ? '' : b64(`${prefix}:${idOf(nextItem)}`) };
  }

  function dispatch(method: string, args: Json, token: string | undefined, after: (() => void)[]): Json {
    if (method === 'apps.connections.open') {
      const err = authError(token, 'app');
      if (err) return err;
      const ticket = randomUUID();
      tickets.add(ticket);
      return { ok: true, url: `${wsBase}/link/?ticket=${ticket}&app_id=${APP_ID}` };
    }
    const handler = methods[method];
    if (!handler) return { ok: false, error: 'unknown_method', req_method: method };
    const err = authError(token, 'bot');
    if (err) return err;
    return handler(args, after);
  }

  function customization(args: Json): { username?: string; icon_url?: string; icon_emoji?: string } {
    const out: { username?: string; icon_url?: string; icon_emoji?: string } = {};
    const username = str(args.username);
    const iconUrl = str(args.icon_url);
    const iconEmoji = str(args.icon_emoji);
    if (username) out.username = username;
    if (iconUrl) out.icon_url = iconUrl;
    if (iconEmoji) out.icon_emoji = iconEmoji;
    return out;
  }

  function postable(ch: ChannelRec | undefined): string | undefined {
    if (!ch) return 'channel_not_found';
    if (ch.isIm) return undefined;
    if (!ch.isMember) return ch.isPrivate ? 'channel_not_found' : 'not_in_channel';
    return undefined;
  }

  const methods: Record<string, (args: Json, after: (() => void)[]) => Json> = {
    'api.test': (args) => ({ ok: true, args }),

    'auth.test': () => ({
      ok: true,
      url: `https://${TEAM_DOMAIN}.slack.com/`,
      team: TEAM_NAME,
      user: BOT_NAME,
      team_id: TEAM_ID,
      user_id: BOT_USER_ID,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args, after) => {
      const ch = resolveChannel(str(args.channel));
      const bad = postable(ch);
      if (bad || !ch) return { ok: false, error: bad ?? 'channel_not_found' };
      const text = str(args.text) ?? '';
      const blocks = jsonish(args.blocks);
      const attachments = jsonish(args.attachments);
      if (!text && blocks === undefined && attachments === undefined) return { ok: false, error: 'no_text' };
      if (text.length > 40_000) return { ok: false, error: 'msg_too_long' };
      const custom = customization(args);
      const customized = Object.keys(custom).length > 0;
      if (customized && !customizeAllowed) {
        return { ok: false, error: 'missing_scope', needed: 'chat:write.customize', provided: 'chat:write,commands,users:read,channels:read,groups:read,im:history,channels:history' };
      }
      const ts = nextTs();
      const msg: Json = { user: BOT_USER_ID, type: 'message', ts, bot_id: BOT_ID, app_id: APP_ID, text, team: TEAM_ID, bot_profile: botProfile() };
      if (customized) {
        msg.subtype = 'bot_message';
        if (custom.username) msg.username = custom.username;
        msg.icons = custom.icon_emoji ? { emoji: custom.icon_emoji } : custom.icon_url ? { image_48: custom.icon_url } : {};
      }
      if (blocks !== undefined) msg.blocks = blocks;
      if (attachments !== undefined) msg.attachments = attachments;
      const threadTs = str(args.thread_ts);
      if (threadTs) {
        msg.thread_ts = threadTs;
        const parent = history.get(ch.id)?.get(threadTs);
        msg.parent_user_id = str(parent?.user) ?? BOT_USER_ID;
      }
      store(ch.id, msg);
      const p: PostedMessage = { method: 'chat.postMessage', channel: ch.id, text, ts, via: 'api', ...custom };
      if (threadTs) p.thread_ts = threadTs;
      if (blocks !== undefined) p.blocks = blocks;
      const mrkdwn = bool(args.mrkdwn);
      if (mrkdwn !== undefined) p.mrkdwn = mrkdwn;
      record(p);
      const broadcast = threadTs && bool(args.reply_broadcast);
      after.push(() =>
        emitEvent({
          ...msg,
          ...(broadcast ? { subtype: 'thread_broadcast' } : {}),
          channel: ch.id,
          event_ts: ts,
          channel_type: channelType(ch, ch.id),
        }),
      );
      return { ok: true, channel: ch.id, ts, message: msg };
    },

    'chat.postEphemeral': (args) => {
      const ch = resolveChannel(str(args.channel));
      const bad = postable(ch);
      if (bad || !ch) return { ok: false, error: bad ?? 'channel_not_found' };
      const user = str(args.user);
      if (!user || !users.has(user)) return { ok: false, error: 'user_not_in_channel' };
      const text = str(args.text) ?? '';
      const blocks = jsonish(args.blocks);
      if (!text && blocks === undefined && args.attachments === undefined) return { ok: false, error: 'no_text' };
      const custom = customization(args);
      if (Object.keys(custom).length > 0 && !customizeAllowed) {
        return { ok: false, error: 'missing_scope', needed: 'chat:write.customize' };
      }
      const ts = nextTs();
      const p: PostedMessage = { method: 'chat.postEphemeral', channel: ch.id, text, ts, user, via: 'api', ...custom };
      const threadTs = str(args.thread_ts);
      if (threadTs) p.thread_ts = threadTs;
      if (blocks !== undefined) p.blocks = blocks;
      record(p);
      return { ok: true, message_ts: ts };
    },

    'chat.update': (args, after) => {
      const ch = resolveChannel(str(args.channel));
      if (!ch) return { ok: false, error: 'channel_not_found' };
      const ts = str(args.ts);
      const old = ts ? history.get(ch.id)?.get(ts) : undefined;
      if (!ts || !old) return { ok: false, error: 'message_not_found' };
      if (old.bot_id !== BOT_ID) return { ok: false, error: 'cant_update_message' };
      const text = str(args.text) ?? '';
      const blocks = jsonish(args.blocks);
      if (!text && blocks === undefined && args.attachments === undefined) return { ok: false, error: 'no_text' };
      const editTs = nextTs();
      const msg: Json = { ...old, text, edited: { user: BOT_USER_ID, ts: editTs } };
      if (blocks !== undefined) msg.blocks = blocks;
      store(ch.id, msg);
      const p: PostedMessage = { method: 'chat.update', channel: ch.id, text, ts, via: 'api' };
      if (typeof old.thread_ts === 'string') p.thread_ts = old.thread_ts;
      if (blocks !== undefined) p.blocks = blocks;
      record(p);
      after.push(() =>
        emitEvent({
          type: 'message',
          subtype: 'message_changed',
          message: { ...msg, source_team: TEAM_ID, user_team: TEAM_ID },
          channel: ch.id,
          hidden: true,
          ts: editTs,
          event_ts: editTs,
          channel_type: channelType(ch, ch.id),
          previous_message: old,
        }),
      );
      return { ok: true, channel: ch.id, ts, text, message: msg };
    },

    'chat.delete': (args, after) => {
      const ch = resolveChannel(str(args.channel));
      if (!ch) return { ok: false, error: 'channel_not_found' };
      const ts = str(args.ts);
      const old = ts ? history.get(ch.id)?.get(ts) : undefined;
      if (!ts || !old) return { ok: false, error: 'message_not_found' };
      if (old.bot_id !== BOT_ID) return { ok: false, error: 'cant_delete_message' };
      history.get(ch.id)?.delete(ts);
      const evTs = nextTs();
      after.push(() =>
        emitEvent({
          type: 'message',
          subtype: 'message_deleted',
          hidden: true,
          deleted_ts: ts,
          channel: ch.id,
          previous_message: old,
          ts: evTs,
          event_ts: evTs,
          channel_type: channelType(ch, ch.id),
        }),
      );
      return { ok: true, channel: ch.id, ts };
    },

    'conversations.list': (args) => {
      const types = new Set((str(args.types) ?? 'public_channel').split(',').map((t) => t.trim()).filter(Boolean));
      for (const t of types) {
        if (!['public_channel', 'private_channel', 'mpim', 'im'].includes(t)) return { ok: false, error: 'invalid_types' };
      }
      const list = [...channels.values()].filter((c) => {
        if (c.isIm) return types.has('im');
        if (c.isPrivate) return types.has('private_channel') && c.isMember;
        return types.has('public_channel');
      });
      const pg = paginate(list, (c) => c.id, 'team', args, 100);
      if ('error' in pg) return { ok: false, error: pg.error };
      return { ok: true, channels: pg.page.map(channelObject), response_metadata: { next_cursor: pg.next } };
    },

    'conversations.info': (args) => {
      const id = str(args.channel);
      const ch = id ? channels.get(id) : undefined;
      if (!ch || (ch.isPrivate && !ch.isIm && !ch.isMember)) return { ok: false, error: 'channel_not_found' };
      return { ok: true, channel: channelObject(ch) };
    },

    'conversations.join': (args, after) => {
      const id = str(args.channel);
      const ch = id ? channels.get(id) : undefined;
      if (!ch) return { ok: false, error: 'channel_not_found' };
      if (ch.isIm || ch.isPrivate) return { ok: false, error: 'method_not_supported_for_channel_type' };
      if (ch.isMember) {
        return {
          ok: true,
          channel: channelObject(ch),
          warning: 'already_in_channel',
          response_metadata: { warnings: ['already_in_channel'] },
        };
      }
      ch.isMember = true;
      after.push(() =>
        emitEvent({ type: 'member_joined_channel', user: BOT_USER_ID, channel: ch.id, channel_type: 'C', team: TEAM_ID, event_ts: nextTs() }),
      );
      return { ok: true, channel: channelObject(ch) };
    },

    'conversations.open': (args) => {
      const channel = str(args.channel);
      if (channel) {
        const ch = channels.get(channel);
        return ch?.isIm ? { ok: true, no_op: true, already_open: true, channel: { id: ch.id } } : { ok: false, error: 'channel_not_found' };
      }
      const ids = (str(args.users) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.length === 0) return { ok: false, error: 'users_list_not_supplied' };
      if (ids.length > 1) return { ok: false, error: 'not_supported' };
      const [uid = ''] = ids;
      if (!users.has(uid)) return { ok: false, error: 'user_not_found' };
      const existed = [...channels.values()].some((c) => c.isIm && c.user === uid);
      const ch = dmFor(uid);
      return bool(args.return_im)
        ? { ok: true, no_op: existed, already_open: existed, channel: channelObject(ch) }
        : { ok: true, no_op: existed, already_open: existed, channel: { id: ch.id } };
    },

    'users.info': (args) => {
      const id = str(args.user);
      const u = id ? users.get(id) : undefined;
      if (!u) return { ok: false, error: 'user_not_found' };
      return { ok: true, user: userObject(u) };
    },

    'users.list': (args) => {
      const list = [...users.values()];
      const pg = paginate(list, (u) => u.id, 'user', args, 0);
      if ('error' in pg) return { ok: false, error: pg.error };
      return {
        ok: true,
        members: pg.page.map(userObject),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: pg.next },
      };
    },

    'bots.info': (args) => {
      const id = str(args.bot);
      if (!id) return { ok: false, error: 'bot_not_found' };
      if (id === BOT_ID) return { ok: true, bot: { ...botProfile(), user_id: BOT_USER_ID } };
      const u = [...users.values()].find((x) => x.botId === id);
      if (!u) return { ok: false, error: 'bot_not_found' };
      return {
        ok: true,
        bot: {
          id,
          deleted: false,
          name: u.name,
          updated: u.updated,
          app_id: u.appId ?? '',
          user_id: u.id,
          icons: {
            image_36: `https://avatars.standin.invalid/${id}_36.png`,
            image_48: `https://avatars.standin.invalid/${id}_48.png`,
            image_72: `https://avatars.standin.invalid/${id}_72.png`,
          },
        },
      };
    },
  };

  // ---------------------------------------------------------------- listen

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const httpBase = `http://127.0.0.1:${port}`;
  const wsBase = `ws://127.0.0.1:${port}`;

  // ---------------------------------------------------------------- public API

  function userMessage(m: { channel: string; user: string; text: string; thread_ts?: string; subtype?: string; files?: unknown[] }, ts: string): Json {
    const u = users.get(m.user);
    const msg: Json = { type: 'message' };
    if (m.subtype) msg.subtype = m.subtype;
    msg.text = m.text;
    if (m.files !== undefined) {
      msg.files = m.files;
      msg.upload = false;
    }
    msg.user = m.user;
    if (u?.isBot && u.botId) {
      msg.bot_id = u.botId;
      if (u.appId) msg.app_id = u.appId;
      msg.bot_profile = { id: u.botId, deleted: false, name: u.name, updated: u.updated, app_id: u.appId ?? '', team_id: TEAM_ID };
    }
    msg.display_as_bot = false;
    msg.ts = ts;
    if (!m.subtype || m.subtype === 'file_share' || m.subtype === 'thread_broadcast') {
      if (!m.subtype) msg.client_msg_id = randomUUID();
      msg.blocks = richTextBlocks(m.text);
    }
    msg.team = TEAM_ID;
    if (m.thread_ts) {
      msg.thread_ts = m.thread_ts;
      const parent = history.get(m.channel)?.get(m.thread_ts);
      msg.parent_user_id = str(parent?.user) ?? m.user;
    }
    return msg;
  }

  function requireChannel(id: string, user: string): ChannelRec {
    const ch = channels.get(id);
    if (ch) return ch;
    if (id.startsWith('D')) {
      const dm: ChannelRec = { id, name: user, isPrivate: true, isIm: true, user, isMember: true, created: Math.floor(Date.now() / 1000), previousNames: [] };
      channels.set(id, dm);
      return dm;
    }
    throw new Error(`slack stand-in: unknown channel ${id}; call addChannel() first`);
  }

  const standin: SlackStandin = {
    apiUrl: `${httpBase}/api/`,
    botToken,
    appToken,
    botUserId: BOT_USER_ID,
    botId: BOT_ID,
    teamId: TEAM_ID,
    appId: APP_ID,
    calls,
    posted,
    envelopes,

    addUser(u) {
      const isBot = u.isBot === true;
      users.set(u.id, {
        id: u.id,
        name: u.name,
        displayName: u.displayName ?? '',
        realName: u.realName ?? u.name,
        isBot,
        ...(isBot ? { botId: `B${u.id.replace(/^[UW]/, '')}`, appId: `A${u.id.replace(/^[UW]/, '')}` } : {}),
        updated: Math.floor(Date.now() / 1000),
      });
    },

    addChannel(c) {
      const old = channels.get(c.id);
      channels.set(c.id, {
        id: c.id,
        name: c.name,
        isPrivate: c.isPrivate === true || c.id.startsWith('G'),
        isIm: false,
        isMember: c.isMember !== false,
        created: old?.created ?? Math.floor(Date.now() / 1000),
        previousNames: old?.previousNames ?? [],
      });
    },

    async renameChannel(id, name) {
      const ch = channels.get(id);
      if (!ch || ch.isIm) throw new Error(`slack stand-in: unknown channel ${id}`);
      if (ch.name !== name) ch.previousNames.unshift(ch.name);
      ch.name = name;
      await sendEvent({
        type: ch.isPrivate ? 'group_rename' : 'channel_rename',
        channel: {
          id: ch.id,
          name,
          name_normalized: name,
          created: ch.created,
          is_channel: !ch.isPrivate,
          is_mpim: false,
        },
        event_ts: nextTs(),
      });
    },

    sendEvent,

    async sendMessage(m) {
      const ch = requireChannel(m.channel, m.user);
      const type = channelType(ch, m.channel);
      if (m.edited) {
        const h = history.get(m.channel);
        let prev: Json | undefined;
        if (h) for (const msg of h.values()) if (msg.user === m.user && msg.subtype === undefined) prev = msg;
        const origTs = str(prev?.ts) ?? nextTs();
        const editTs = nextTs();
        const base = prev ? { ...prev } : userMessage(m, origTs);
        const edited: Json = { ...base, text: m.text, edited: { user: m.user, ts: editTs } };
        if (base.blocks !== undefined) edited.blocks = richTextBlocks(m.text);
        store(m.channel, edited);
        await sendEnvelope(
          'events_api',
          eventCallback({
            type: 'message',
            subtype: 'message_changed',
            message: { ...edited, source_team: TEAM_ID, user_team: TEAM_ID },
            previous_message: prev ?? base,
            channel: m.channel,
            hidden: true,
            ts: editTs,
            event_ts: editTs,
            channel_type: type,
          }),
          false,
        );
        return origTs;
      }
      const ts = nextTs();
      const msg = userMessage(m, ts);
      store(m.channel, msg);
      await sendEnvelope('events_api', eventCallback({ ...msg, channel: m.channel, event_ts: ts, channel_type: type }), false);
      return ts;
    },

    async sendSlashCommand(c) {
      const ch = channels.get(c.channel);
      let channelName: string;
      if (ch && !ch.isIm) channelName = ch.name;
      else if (ch?.isIm || c.channel.startsWith('D')) channelName = 'directmessage';
      else throw new Error(`slack stand-in: unknown channel ${c.channel}; call addChannel() first`);
      const path = `/commands/${TEAM_ID}/${randomId(13, '0123456789')}/${randomId(24, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
      responseUrls.set(path, { channel: c.channel, user: c.user, uses: 0 });
      const payload: Json = {
        token: VERIFICATION_TOKEN,
        team_id: TEAM_ID,
        team_domain: TEAM_DOMAIN,
        channel_id: c.channel,
        channel_name: channelName,
        user_id: c.user,
        user_name: users.get(c.user)?.name ?? c.user,
        command: c.command,
        text: c.text,
        api_app_id: APP_ID,
        is_enterprise_install: 'false',
        response_url: `${httpBase}${path}`,
        trigger_id: `${randomId(13, '0123456789')}.${randomId(13, '0123456789')}.${randomId(32, '0123456789abcdef')}`,
      };
      const rec = await sendEnvelope('slash_commands', payload, true);
      const ack = rec.ackPayload;
      const empty = ack === undefined || ack === null || (typeof ack === 'object' && Object.keys(ack).length === 0);
      return { ack: empty ? undefined : ack };
    },

    rateLimit(n, retryAfterSeconds, method) {
      if (n <= 0) return;
      rateLimits.push(method === undefined ? { remaining: n, retryAfter: retryAfterSeconds } : { remaining: n, retryAfter: retryAfterSeconds, method });
    },

    disconnect(o = {}) {
      for (const conn of activeConns()) {
        conn.retired = true;
        if (o.hard) {
          conn.ws.terminate();
          continue;
        }
        conn.ws.send(JSON.stringify({ type: 'disconnect', reason: o.reason ?? 'refresh_requested', debug_info: { host: 'standin' } }));
        later(o.graceMs ?? 2000, () => {
          if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(1001, 'refresh');
        });
      }
      emitter.emit('close');
    },

    connections() {
      return activeConns().length;
    },

    async waitForConnection(timeoutMs = 10_000) {
      await waitFor(() => (activeConns().length > 0 ? true : undefined), ['connection'], timeoutMs, 'a Socket Mode connection');
    },

    waitForPost(pred, timeoutMs = 5000) {
      return waitFor(() => posted.find(pred), ['post'], timeoutMs, 'a matching posted message');
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      emitter.emit('stop');
      clearInterval(pingTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('slack stand-in: stopped'));
      }
      pending.clear();
      for (const c of conns) c.ws.terminate();
      conns.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sleep(0);
    },
  };
  return standin;
}
