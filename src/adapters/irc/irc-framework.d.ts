// The parts of irc-framework (untyped) that the IRC adapter uses.
declare module 'irc-framework' {
  import { EventEmitter } from 'node:events';

  export interface ClientOptions {
    host: string;
    port: number;
    nick: string;
    username?: string;
    gecos?: string;
    password?: string;
    tls?: boolean;
    rejectUnauthorized?: boolean;
    account?: { account: string; password: string };
    sasl_disconnect_on_fail?: boolean;
    auto_reconnect?: boolean;
    ping_interval?: number;
    ping_timeout?: number;
    version?: string | null;
    enable_echomessage?: boolean;
    message_max_length?: number;
    transport?: unknown;
    ca?: string | Buffer;
  }

  export interface MessageEvent {
    nick: string;
    ident: string;
    hostname: string;
    target: string;
    message: string;
    type: 'privmsg' | 'notice' | 'action';
    time?: number;
    account?: string | false;
    tags: Record<string, string>;
  }

  export class Client extends EventEmitter {
    constructor(options?: Partial<ClientOptions>);
    connect(options?: Partial<ClientOptions>): void;
    quit(message?: string): void;
    raw(...args: string[]): void;
    join(channel: string, key?: string): void;
    changeNick(nick: string): void;
    whois(nick: string): void;
    ctcpResponse(target: string, type: string, ...params: string[]): void;
    requestCap(cap: string | string[]): void;
    readonly connected: boolean;
    user: { nick: string; username: string; host: string };
    network: { cap: { isEnabled(cap: string): boolean }; supports(name: string): unknown };
    connection: {
      connected: boolean;
      write(line: string, cb?: (err?: Error | null) => void): boolean;
      end(data?: string): void;
      on(event: 'raw', fn: (e: { line: string; from_server: boolean }) => void): void;
    };
  }
}
