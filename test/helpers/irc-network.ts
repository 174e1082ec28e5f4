/**
 * A real IRC network on loopback for integration tests: Debian's InspIRCd 3
 * with Debian's Atheme 7.2 services linked to it (Atheme speaks the 1202
 * protocol, which InspIRCd 3 still accepts). Gives SASL PLAIN, NickServ
 * accounts, and the IRCv3 account-tag / extended-join / account-notify caps
 * plus WHOIS numeric 330.
 *
 * Needs the Debian packages `inspircd` and `atheme-services`; nothing else.
 * Both daemons run in the foreground under a watchdog tied to this process
 * (they die with it), with all their files (configs, logs, pid files,
 * services.db) in one temp dir. Startup takes about 1.3 s.
 *
 * Quirk: InspIRCd 3 finishes client registration on its once-a-second timer,
 * so every connection (raw client or bot) takes ~1 s to get 001.
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopDaemon, type Daemon } from './daemon.js';
import { freePort } from './ports.js';

export const INSPIRCD_BIN = '/usr/sbin/inspircd';
export const INSPIRCD_MODULE_DIR = '/usr/lib/inspircd/modules';
export const ATHEME_BIN = '/usr/bin/atheme-services';

const HOST = '127.0.0.1' as const;
const SERVER_NAME = 'irc.localhost';
const SERVICES_NAME = 'services.localhost';
const NETWORK_NAME = 'OpsbridgeTest';

export interface IrcNetworkOptions {
  /**
   * Directory for configs, logs and the services database. Created if missing
   * and left in place by stop() (handy for reading inspircd.log / atheme.log
   * after a failure). Default: a fresh mkdtemp under os.tmpdir(), removed by stop().
   */
  dir?: string;
  /**
   * Keep InspIRCd's usual flood limits for clients (recvq=8192 threshold=10
   * commandrate=1000 fakelag=on) so a flood test can show the bot is not
   * disconnected. Default false: clients may send as fast as they like.
   */
  strictFlood?: boolean;
  /** With strictFlood: lines per second a client may send before fakelag (InspIRCd's default is 1). */
  commandRate?: number;
  /** InspIRCd modules to leave out, e.g. `ircv3_accounttag` (WHOIS is then the only way to learn accounts) or `sasl`. */
  withoutModules?: string[];
  /** How long to wait for the network (IRCd up, services linked, SASL on). Default 45 s. */
  startTimeoutMs?: number;
}

export interface IrcNetwork {
  host: '127.0.0.1';
  /** Client port (plain text) on 127.0.0.1. */
  port: number;
  /** InspIRCd's server name, as seen in numerics' prefixes. */
  serverName: string;
  /** Atheme's server name (the SASL agent and NickServ live there). */
  servicesName: string;
  /** Where configs, logs (inspircd.log, atheme.log, *.out) and services.db are. */
  dir: string;
  /** An IRC operator block (`OPER name password`), e.g. to KILL the bot in a reconnect test. */
  oper: { name: string; password: string };
  /** Milliseconds startIrcNetwork took. */
  startupMs: number;
  /** Registers a NickServ account (nick = account name). The password must not contain spaces. */
  registerAccount(name: string, password: string): Promise<void>;
  /** connectRawClient() on this network; such clients are closed by stop(). */
  connectClient(nick: string, opts?: RawClientOptions): Promise<RawIrcClient>;
  /** Closes clients made with connectClient, stops both daemons, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Raw line client
// ---------------------------------------------------------------------------

export interface RawClientOptions {
  /** SASL PLAIN account; requires saslPassword. Adds the `sasl` cap to the request. */
  saslAccount?: string;
  saslPassword?: string;
  /** Caps to CAP REQ (all must be ACKed, or connecting fails). */
  caps?: string[];
  username?: string;
  realname?: string;
  host?: string;
  /** Time allowed for connect + CAP + SASL + registration. Default 15 s. */
  timeoutMs?: number;
}

export interface ParsedLine {
  tags: Record<string, string>;
  /** Without the leading ':' ; '' when absent. */
  prefix: string;
  /** Nick part of the prefix ('' when absent). */
  nick: string;
  command: string;
  params: string[];
}

export interface RawIrcClient {
  /** The nick asked for at connect (the server accepted it). */
  readonly nick: string;
  /** Every line received, without CR/LF, oldest first. */
  readonly lines: string[];
  /** Caps the server ACKed. */
  readonly caps: ReadonlySet<string>;
  /** Account logged in to by SASL, if any. */
  readonly account: string | undefined;
  /** True once the socket has closed. */
  readonly closed: boolean;
  send(line: string): void;
  /**
   * Resolves with the match of the first received line (from index `since`,
   * default 0 = every line so far, then new ones) that matches `pattern`.
   * Rejects on timeout or when the connection closes first, showing the last lines.
   */
  waitFor(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpExecArray>;
  /** QUIT (if still connected) and wait for the socket to close. */
  close(message?: string): Promise<void>;
}

/** Parses one IRC line (IRCv3 tags, prefix, command, params incl. trailing). */
export function parseIrcLine(line: string): ParsedLine {
  let rest = line;
  const tags: Record<string, string> = {};
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    const raw = rest.slice(1, sp < 0 ? undefined : sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1).trimStart();
    for (const item of raw.split(';')) {
      if (item === '') continue;
      const eq = item.indexOf('=');
      const key = eq < 0 ? item : item.slice(0, eq);
      const value = eq < 0 ? '' : unescapeTagValue(item.slice(eq + 1));
      tags[key] = value;
    }
  }
  let prefix = '';
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    prefix = rest.slice(1, sp < 0 ? undefined : sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1).trimStart();
  }
  const params: string[] = [];
  let command = '';
  while (rest.length > 0) {
    if (rest.startsWith(':') && command !== '') {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(' ');
    const word = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1).replace(/^ +/, '');
    if (command === '') command = word.toUpperCase();
    else params.push(word);
  }
  // nick!user@host, nick@host or nick; a bare name with a dot is a server.
  const nick = /[!@]/.test(prefix) ? (prefix.split(/[!@]/)[0] ?? '') : prefix.includes('.') ? '' : prefix;
  return { tags, prefix, nick, command, params };
}

function unescapeTagValue(v: string): string {
  return v.replace(/\\(.)?/g, (_m, c: string | undefined) => {
    switch (c) {
      case ':':
        return ';';
      case 's':
        return ' ';
      case 'r':
        return '\r';
      case 'n':
        return '\n';
      case '\\':
        return '\\';
      case undefined:
        return '';
      default:
        return c;
    }
  });
}

class LineClient implements RawIrcClient {
  readonly lines: string[] = [];
  readonly caps = new Set<string>();
  account: string | undefined;
  closed = false;
  private buffer = '';
  private readonly waiters = new Set<() => void>();
  private readonly closedPromise: Promise<void>;

  constructor(
    readonly nick: string,
    private readonly socket: Socket,
  ) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {
      /* 'close' follows; waiters report it */
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    let added = false;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line === '') continue;
      this.lines.push(line);
      added = true;
      const msg = parseIrcLine(line);
      if (msg.command === 'PING') this.send(`PONG :${msg.params[msg.params.length - 1] ?? ''}`);
    }
    if (added) this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  send(line: string): void {
    if (/[\r\n]/.test(line)) throw new Error(`raw IRC line must not contain CR/LF: ${JSON.stringify(line)}`);
    if (this.closed || this.socket.destroyed) throw new Error(`${this.nick}: cannot send on a closed connection: ${line}`);
    this.socket.write(line + '\r\n');
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000, since = 0): Promise<RegExpExecArray> {
    return (await this.waitForLine(pattern, timeoutMs, since)).match;
  }

  /** waitFor, also giving the matched line's index in `lines`. */
  waitForLine(pattern: RegExp, timeoutMs = 10_000, since = 0): Promise<{ match: RegExpExecArray; index: number }> {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    let next = since;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (; next < this.lines.length; next++) {
          const m = re.exec(this.lines[next] ?? '');
          if (m) {
            finish();
            resolve({ match: m, index: next });
            return;
          }
        }
        if (this.closed) {
          finish();
          reject(new Error(`${this.nick}: connection closed before a line matched ${String(pattern)}\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.nick}: no line matched ${String(pattern)} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The last received lines, for error messages. */
  tail(n = 25): string {
    return `last ${Math.min(n, this.lines.length)} of ${this.lines.length} lines received:\n` + this.lines.slice(-n).map((l) => `  << ${l}`).join('\n');
  }

  async close(message = 'bye'): Promise<void> {
    if (this.closed) return;
    try {
      this.send(`QUIT :${message}`);
      this.socket.end();
    } catch {
      /* already closing */
    }
    const timer = setTimeout(() => this.socket.destroy(), 2_000);
    await this.closedPromise;
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Connects a minimal line-based IRC client and completes registration (up to
 * the end of the MOTD). With `caps` and/or SASL it does CAP LS 302, CAP REQ,
 * AUTHENTICATE PLAIN (base64 of "\0account\0password"), CAP END. Fails if a
 * cap is refused, SASL fails, or the nick is taken.
 */
export async function connectRawClient(port: number, nick: string, opts: RawClientOptions = {}): Promise<RawIrcClient> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  if ((opts.saslAccount === undefined) !== (opts.saslPassword === undefined)) {
    throw new Error('connectRawClient: saslAccount and saslPassword go together');
  }
  const sasl = opts.saslAccount !== undefined && opts.saslPassword !== undefined ? { account: opts.saslAccount, password: opts.saslPassword } : undefined;
  const wanted = [...new Set([...(opts.caps ?? []), ...(sasl ? ['sasl'] : [])])];

  const socket = await openSocket(opts.host ?? HOST, port, left());
  const client = new LineClient(nick, socket);
  try {
    const negotiate = wanted.length > 0;
    if (negotiate) client.send('CAP LS 302');
    client.send(`NICK ${nick}`);
    const username = opts.username ?? (nick.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 10) || 'user');
    client.send(`USER ${username} 0 * :${opts.realname ?? `${nick} (raw test client)`}`);

    if (negotiate) {
      // CAP LS may span several lines ("CAP * LS * :..."), the last has no '*'.
      const offered = new Map<string, string>();
      let from = 0;
      for (;;) {
        const { match: m, index } = await client.waitForLine(/^(?:@\S+ )?:\S+ CAP \S+ LS (\* )?:?(.*)$/, left(), from);
        from = index + 1;
        for (const tok of (m[2] ?? '').split(' ')) {
          if (tok === '') continue;
          const eq = tok.indexOf('=');
          offered.set(eq < 0 ? tok : tok.slice(0, eq), eq < 0 ? '' : tok.slice(eq + 1));
        }
        if (m[1] === undefined) break;
      }
      const missing = wanted.filter((c) => !offered.has(c));
      if (missing.length > 0) {
        throw new Error(`server does not offer cap(s) ${missing.join(', ')}; offered: ${[...offered.keys()].join(' ')}`);
      }
      const since = client.lines.length;
      client.send(`CAP REQ :${wanted.join(' ')}`);
      const reply = await client.waitFor(/^(?:@\S+ )?:\S+ CAP \S+ (ACK|NAK) :?(.*)$/, left(), since);
      if (reply[1] !== 'ACK') throw new Error(`CAP REQ refused: ${reply.input}`);
      for (const c of (reply[2] ?? '').trim().split(/\s+/)) if (c !== '' && !c.startsWith('-')) client.caps.add(c);

      if (sasl) {
        const s0 = client.lines.length;
        client.send('AUTHENTICATE PLAIN');
        await client.waitFor(/^(?:@\S+ )?(?::\S+ )?AUTHENTICATE :?\+$/, left(), s0);
        const payload = Buffer.from(`\0${sasl.account}\0${sasl.password}`, 'utf8').toString('base64');
        // AUTHENTICATE payloads go in chunks of 400; an exact multiple needs a trailing '+'.
        for (let i = 0; i < payload.length; i += 400) client.send(`AUTHENTICATE ${payload.slice(i, i + 400)}`);
        if (payload.length % 400 === 0) client.send('AUTHENTICATE +');
        const res = await client.waitFor(/^(?:@\S+ )?:\S+ (90[2-7]) /, left(), s0);
        if (res[1] !== '903') throw new Error(`SASL PLAIN as ${sasl.account} failed: ${res.input}`);
        const logged = client.lines.slice(s0).map(parseIrcLine).find((l) => l.command === '900');
        client.account = logged?.params[2] ?? sasl.account;
      }
      client.send('CAP END');
    }
    const done = await client.waitFor(/^(?:@\S+ )?:\S+ (376|422|432|433|436|437|465) /, left());
    if (done[1] !== '376' && done[1] !== '422') throw new Error(`registration as ${nick} refused: ${done.input}`);
    return client;
  } catch (err) {
    client.destroy();
    const e = err instanceof Error ? err : new Error(String(err));
    e.message = `connectRawClient(${port}, ${nick}): ${e.message}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Daemons
// ---------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readTail(file: string, n = 40): string {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(missing)';
  }
}

function randomSecret(): string {
  return Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
}

// ---------------------------------------------------------------------------
// Config files
// ---------------------------------------------------------------------------

interface Ports {
  client: number;
  link: number;
}

interface Secrets {
  /** Atheme -> InspIRCd (InspIRCd's recvpass). */
  toIrcd: string;
  /** InspIRCd -> Atheme (InspIRCd's sendpass). */
  toServices: string;
  oper: string;
}

function inspircdConf(dir: string, ports: Ports, secrets: Secrets, opts: IrcNetworkOptions): string {
  const strictFlood = opts.strictFlood === true;
  const flood = strictFlood
    ? `recvq="8192" threshold="10" commandrate="${Math.round((opts.commandRate ?? 1) * 1000)}" fakelag="yes" softsendq="10240" hardsendq="1M"`
    : 'recvq="1M" threshold="1000000" commandrate="100000000" fakelag="no" softsendq="1M" hardsendq="16M"';
  // With the stock 10240-byte read buffer, a burst of a few hundred lines from one
  // client now and then stalls for exactly 2 s inside InspIRCd 3 before the rest is
  // read; a 64 KiB buffer avoids that. strictFlood keeps the stock size.
  const netbuffersize = strictFlood ? 10240 : 65534;
  const modules = [
    // IRCv3
    'cap',
    'ircv3',
    'ircv3_accounttag',
    'ircv3_batch',
    'ircv3_capnotify',
    'ircv3_chghost',
    'ircv3_ctctags',
    'ircv3_echomessage',
    'ircv3_invitenotify',
    'ircv3_labeledresponse',
    'ircv3_msgid',
    'ircv3_servertime',
    'namesx',
    'uhnames',
    // services: accounts (required by Atheme), SASL, linking
    'services_account',
    'sasl',
    'spanningtree',
    // used by Atheme's inspircd protocol module when present
    'hidechans',
    'chghost',
    'chgident',
    'chgname',
    'globops',
    'servprotect',
    'svshold',
    'uninvite',
    'cban',
    'rline',
    'regex_stdlib',
    'topiclock',
    'mlock',
    'sajoin',
    'sapart',
    'sanick',
    'alias',
  ].filter((m) => !(opts.withoutModules ?? []).includes(m));
  return `# Generated by test/helpers/irc-network.ts
<server name="${SERVER_NAME}" description="opsbridge test IRCd" id="0AA" network="${NETWORK_NAME}">
<admin name="test" nick="test" email="test@example.com">
<path configdir="${dir}" datadir="${dir}" logdir="${dir}" runtimedir="${dir}" moduledir="${INSPIRCD_MODULE_DIR}">
<pid file="${join(dir, 'inspircd.pid')}">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${join(dir, 'inspircd.log')}">
<files motd="${join(dir, 'motd.txt')}">
<dns server="127.0.0.1" timeout="1">

<bind address="127.0.0.1" port="${ports.client}" type="clients">
<bind address="127.0.0.1" port="${ports.link}" type="servers">

<connect name="test" allow="127.0.0.1" timeout="60" pingfreq="120" maxchans="100"
         localmax="10000" globalmax="10000" maxconnwarn="no" resolvehostnames="no" useident="no"
         ${flood}>

<class name="All" commands="*" privs="*" usermodes="*" chanmodes="*" snomasks="*">
<type name="Admin" classes="All" host="admin.test">
<oper name="admin" password="${secrets.oper}" host="*@127.0.0.1" type="Admin">

<options hostintopic="no" fixedquit="" fixedpart="" syntaxhints="no" announcets="yes" pingwarning="15" splitwhois="no">
<security hideserver="" userstats="Pu" flatlinks="no" hidesplits="no" hideulines="no" hidebans="no" maxtargets="20" announceinvites="dynamic" runasuser="" runasgroup="">
<performance quietbursts="yes" softlimit="10240" somaxconn="128" netbuffersize="${netbuffersize}">
<whowas groupsize="10" maxgroups="1000" maxkeep="1h">
<channels users="100" opers="100">

${modules.map((m) => `<module name="${m}">`).join('\n')}

<ircv3 accountnotify="yes" awaynotify="yes" extendedjoin="yes">
${modules.includes('sasl') ? `<sasl target="${SERVICES_NAME}" requiressl="no">` : ''}

<link name="${SERVICES_NAME}" ipaddr="127.0.0.1" port="${ports.link}" allowmask="127.0.0.0/8"
      timeout="60" sendpass="${secrets.toServices}" recvpass="${secrets.toIrcd}">
<uline server="${SERVICES_NAME}" silent="yes">

<alias text="NICKSERV" replace="SQUERY $requirement :$2-" requires="NickServ" uline="yes">
<alias text="NS" replace="SQUERY $requirement :$2-" requires="NickServ" uline="yes">
<badnick nick="NickServ" reason="Reserved for a network service">
<badnick nick="SaslServ" reason="Reserved for a network service">
`;
}

function athemeConf(dir: string, ports: Ports, secrets: Secrets): string {
  const modules = [
    'protocol/inspircd',
    'backend/opensex',
    'crypto/pbkdf2v2',
    'nickserv/main',
    'nickserv/help',
    'nickserv/register',
    'nickserv/identify',
    'nickserv/logout',
    'nickserv/info',
    'nickserv/status',
    'nickserv/drop',
    'nickserv/ghost',
    'nickserv/set_core',
    'nickserv/set_password',
    'saslserv/main',
    'saslserv/plain',
  ];
  return `/* Generated by test/helpers/irc-network.ts */
${modules.map((m) => `loadmodule "modules/${m}";`).join('\n')}

serverinfo {
	name = "${SERVICES_NAME}";
	desc = "opsbridge test services";
	numeric = "00A";
	recontime = 1;
	netname = "${NETWORK_NAME}";
	hidehostsuffix = "users.test";
	adminname = "test";
	adminemail = "admin@example.com";
	registeremail = "noreply@example.com";
	loglevel = { error; info; admin; network; register; };
	maxlogins = 1000;
	/* 0 = no limit on accounts per email address */
	maxusers = 0;
	mdlimit = 30;
	emaillimit = 10;
	emailtime = 300;
	/* no email verification: REGISTER gives a usable account at once */
	auth = none;
	casemapping = rfc1459;
};

uplink "${SERVER_NAME}" {
	host = "127.0.0.1";
	send_password = "${secrets.toIrcd}";
	receive_password = "${secrets.toServices}";
	port = ${ports.link};
};

nickserv {
	nick = "NickServ";
	user = "NickServ";
	host = "${SERVICES_NAME}";
	real = "Nickname Services";
	maxnicks = 5;
	expire = 0;
};

saslserv {
	nick = "SaslServ";
	user = "SaslServ";
	host = "${SERVICES_NAME}";
	real = "SASL Authentication Agent";
};

general {
	/* services-side flood protection off */
	flood_msgs = 0;
	flood_time = 10;
	/* ratelimit_uses / ratelimit_period left unset: REGISTER is not throttled */
	kline_time = 7;
	commit_interval = 5;
	uplink_sendq_limit = 1048576;
	language = "en";
};

logfile "${join(dir, 'account.log')}" { register; set; };
`;
}

// ---------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------

/** TCP connects to the port until it accepts (or the daemon dies / time runs out). */
async function waitForListen(port: number, daemon: Daemon, deadline: number): Promise<void> {
  for (;;) {
    if (daemon.exitInfo() !== undefined) throw new Error(`${daemon.name} ${daemon.exitInfo()}`);
    try {
      const s = await openSocket(HOST, port, 1_000);
      s.destroy();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${daemon.name} did not listen on ${HOST}:${port}`);
      await sleep(50);
    }
  }
}

/**
 * Services are usable once a fresh client is offered the `sasl` cap (InspIRCd
 * only offers it while the SASL target server is linked) and NickServ answers.
 */
async function waitForServices(port: number, daemons: Daemon[], deadline: number, sasl: boolean): Promise<void> {
  let lastError = '';
  let attempt = 0;
  while (Date.now() < deadline) {
    for (const d of daemons) if (d.exitInfo() !== undefined) throw new Error(`${d.name} ${d.exitInfo()}`);
    let probe: RawIrcClient | undefined;
    try {
      probe = await connectRawClient(port, `probe${process.pid % 1000}x${attempt++}`, {
        caps: sasl ? ['sasl'] : [],
        timeoutMs: Math.min(5_000, Math.max(1, deadline - Date.now())),
      });
      const since = probe.lines.length;
      probe.send('PRIVMSG NickServ :HELP');
      await probe.waitFor(/^(?:@\S+ )?:NickServ!\S+ NOTICE /, Math.min(3_000, Math.max(1, deadline - Date.now())), since);
      await probe.close('ready');
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      if (probe) await probe.close('not ready');
      await sleep(150);
    }
  }
  throw new Error(`services did not become ready; last probe error: ${lastError}`);
}

export async function startIrcNetwork(opts: IrcNetworkOptions = {}): Promise<IrcNetwork> {
  const started = Date.now();
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'opsbridge-irc-'));
  if (!ownDir) mkdirSync(dir, { recursive: true });
  for (const bin of [INSPIRCD_BIN, ATHEME_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install inspircd atheme-services`);
  }
  const timeoutMs = opts.startTimeoutMs ?? 45_000;
  const deadline = started + timeoutMs;
  const secrets: Secrets = { toIrcd: randomSecret(), toServices: randomSecret(), oper: randomSecret() };

  // freePort() can race with other processes; retry with new ports if a bind fails.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3 && Date.now() < deadline; attempt++) {
    const ports: Ports = { client: await freePort(), link: await freePort() };
    while (ports.link === ports.client) ports.link = await freePort();
    const inspConf = join(dir, 'inspircd.conf');
    const athConf = join(dir, 'atheme.conf');
    writeFileSync(inspConf, inspircdConf(dir, ports, secrets, opts));
    writeFileSync(athConf, athemeConf(dir, ports, secrets));
    writeFileSync(join(dir, 'motd.txt'), 'opsbridge integration test network\n');
    // A previous attempt's database must not leak accounts; the first attempt has none.
    rmSync(join(dir, 'services.db'), { force: true });

    const daemons: Daemon[] = [];
    try {
      const ircd = startDaemon('inspircd', INSPIRCD_BIN, ['--config', inspConf, '--nofork', '--runasroot'], join(dir, 'inspircd.out'), dir);
      daemons.push(ircd);
      await waitForListen(ports.client, ircd, deadline);
      await waitForListen(ports.link, ircd, deadline);
      const services = startDaemon(
        'atheme-services',
        ATHEME_BIN,
        ['-n', '-c', athConf, '-l', join(dir, 'atheme.log'), '-p', join(dir, 'atheme.pid'), '-D', dir],
        join(dir, 'atheme.out'),
        dir,
      );
      daemons.push(services);
      await waitForServices(ports.client, daemons, deadline, !(opts.withoutModules ?? []).includes('sasl'));
      return makeNetwork(dir, ownDir, ports, secrets, daemons, Date.now() - started);
    } catch (err) {
      lastError = err;
      for (const d of [...daemons].reverse()) await stopDaemon(d);
    }
  }
  const detail =
    `\n--- inspircd.out ---\n${readTail(join(dir, 'inspircd.out'))}` +
    `\n--- inspircd.log ---\n${readTail(join(dir, 'inspircd.log'))}` +
    `\n--- atheme.log ---\n${readTail(join(dir, 'atheme.log'))}`;
  if (ownDir) rmSync(dir, { recursive: true, force: true });
  const msg = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`startIrcNetwork failed: ${msg}${detail}`);
}

function makeNetwork(dir: string, ownDir: boolean, ports: Ports, secrets: Secrets, daemons: Daemon[], startupMs: number): IrcNetwork {
  const clients = new Set<RawIrcClient>();
  let stopping: Promise<void> | undefined;

  const connectClient = async (nick: string, o?: RawClientOptions): Promise<RawIrcClient> => {
    const c = await connectRawClient(ports.client, nick, o);
    clients.add(c);
    return c;
  };

  const registerAccount = async (name: string, password: string): Promise<void> => {
    if (/\s/.test(password) || password === '') {
      throw new Error(`registerAccount(${name}): NickServ REGISTER takes a password without spaces`);
    }
    if (password.toLowerCase() === name.toLowerCase()) {
      throw new Error(`registerAccount(${name}): Atheme refuses a password equal to the account name`);
    }
    const c = await connectRawClient(ports.client, name);
    try {
      const since = c.lines.length;
      c.send(`PRIVMSG NickServ :REGISTER ${password} ${name}@example.com`);
      const reply = await c.waitFor(/^(?:@\S+ )?:NickServ!\S+ NOTICE \S+ :(.*)$/, 10_000, since);
      if (!/is now registered/i.test(reply[1] ?? '')) {
        throw new Error(`registerAccount(${name}): NickServ said: ${reply[1] ?? reply.input}`);
      }
    } finally {
      await c.close('registered');
    }
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all([...clients].map((c) => c.close('network stopping').catch(() => undefined)));
      // Services first (it saves its DB and squits cleanly), then the IRCd.
      for (const d of [...daemons].reverse()) await stopDaemon(d);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  return {
    host: HOST,
    port: ports.client,
    serverName: SERVER_NAME,
    servicesName: SERVICES_NAME,
    dir,
    oper: { name: 'admin', password: secrets.oper },
    startupMs,
    registerAccount,
    connectClient,
    stop,
  };
}
