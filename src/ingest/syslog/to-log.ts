import type { LogInput } from '../../domain/logs/service.js';
import { SEVERITY_NAMES, type SyslogMessage } from './parse.js';

/** A syslog message as a log line: the sender's hostname (else its address), its severity word, `app: message`. */
export function syslogToLog(m: SyslogMessage): LogInput {
  return {
    source: 'syslog',
    host: m.hostname ?? m.remoteAddress,
    level: m.severity === null ? 'notice' : SEVERITY_NAMES[m.severity]!,
    message: m.appName ? `${m.appName}: ${m.message}` : m.message,
    ...(m.timestamp && { ts: m.timestamp }),
    ...(m.malformed && { malformed: true }),
  };
}
