/**
 * One pattern syntax for routes and silences: `/regex/` is a regular
 * expression, anything else a glob (`*`, `?`); both ignore case, and a glob
 * must match the whole value (`web0*` matches web01, not myweb01).
 */
export type Pattern = (value: string) => boolean;

export function compilePattern(p: string): Pattern {
  if (p.length >= 2 && p.startsWith('/') && p.endsWith('/')) {
    const re = new RegExp(p.slice(1, -1), 'i');
    return (v) => re.test(v);
  }
  const re = new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'is');
  return (v) => re.test(v);
}

/** Why a pattern does not compile, or null. */
export function patternError(p: string): string | null {
  try {
    compilePattern(p);
    return null;
  } catch (err) {
    return `invalid regular expression ${p}: ${(err as Error).message}`;
  }
}

/** What a route or a silence is matched against: an alert or a log line. */
export interface Subject {
  kind: 'alert' | 'log';
  source: string;
  severity: string;
  host?: string;
  alertname?: string;
  labels: Record<string, string>;
  message: string;
}

/** The value of a matcher key for a subject: the fixed keys, else a label. */
export function subjectValue(s: Subject, key: string): string | undefined {
  switch (key) {
    case 'kind':
      return s.kind;
    case 'source':
      return s.source;
    case 'severity':
      return s.severity;
    case 'host':
      return s.host ?? s.labels.host;
    case 'alertname':
    case 'name':
      return s.alertname ?? s.labels.alertname;
    case 'message':
      return s.message;
    default:
      return s.labels[key];
  }
}
