import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Clock } from '../../clock.js';
import type { LogService } from '../../domain/logs/service.js';
import { parseListen } from '../../net/listen.js';
import { SyslogListener } from './listener.js';
import { syslogToLog } from './to-log.js';

export interface SyslogStartOptions {
  /** HOST:PORT, as the config checked it; neither: no syslog. */
  udp?: string;
  tcp?: string;
  /** For RFC 3164 timestamps, which carry no zone. */
  timezone: string;
  clock: Clock;
  log: Logger;
  logs: LogService;
  /** Counts messages by transport and by whether they parsed. */
  received: Counter<'transport' | 'result'>;
}

/** The syslog listeners, when an address is given: every message is stored (unparsable ones as they came). */
export async function startSyslog(o: SyslogStartOptions): Promise<SyslogListener | undefined> {
  if (!o.udp && !o.tcp) return undefined;
  const listener = new SyslogListener({
    ...(o.udp && { udp: parseListen(o.udp)! }),
    ...(o.tcp && { tcp: parseListen(o.tcp)! }),
    timezone: o.timezone,
    now: () => o.clock.now(),
    log: o.log,
    // One transaction for the whole batch the listener hands over.
    sink: async (messages, transport) => {
      await o.logs.ingest(messages.map(syslogToLog));
      for (const m of messages) o.received.inc({ transport, result: m.malformed ? 'malformed' : 'parsed' });
    },
  });
  const addr = await listener.start();
  o.log.info({ udp: addr.udp && `${addr.udp.address}:${addr.udp.port}`, tcp: addr.tcp && `${addr.tcp.address}:${addr.tcp.port}` }, 'syslog listening');
  return listener;
}
