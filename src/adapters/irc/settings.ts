/** What the IRC adapter is told: where to connect, who to be, how fast to talk. */
export interface IrcSettings {
  host: string;
  /** Default: 6697 with TLS, else 6667. */
  port?: number;
  tls: boolean;
  tlsVerify: boolean;
  /** An extra CA certificate (PEM) to trust, for a network with its own CA. */
  caFile?: string;
  /** Server password (PASS). */
  password?: string;
  /** The nick the bot holds, and takes back whenever it comes free. */
  nick: string;
  username: string;
  realname: string;
  /** Services login: SASL PLAIN, else NickServ IDENTIFY once registered. */
  sasl?: { account: string; password: string };
  /** Where IDENTIFY goes. */
  nickserv: string;
  channels: (string | { name: string; key?: string })[];
  /** One budget for the whole connection: `burst` lines at once, then `rate` a second. */
  flood: { burst: number; rate: number };
  /** Lines a message may take in a channel; the rest goes to the asker privately. */
  maxChannelLines: number;
  /** IRC colours and bold; false sends plain text. */
  formatting: boolean;
  /** Nicks (globs: `*bot`) whose messages are ignored: other bots. */
  ignore: string[];
  rejoinDelayMs: number;
}
