import { reply, UsageError, type Command } from '../src/chat/command.js';
import { bold, line, link, list, richText, tone, type Block, type Inline } from '../src/chat/rich-text.js';
import { closest } from '../src/chat/suggest.js';
import { SEVERITY_TONE } from '../src/domain/alerts/format.js';
import { severityOf } from '../src/domain/alerts/model.js';
import { parseLevel, parseSince, sinceToReach, type LogFilter, type LogLine } from '../src/domain/logs/search.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { parseDuration } from '../src/time/duration.js';
import { formatTime } from '../src/time/format.js';

/** Lines a reply may take in a channel; the board has the rest. */
const CHANNEL_LINES = 5;
/** A message is cut to this in chat (a log line may be 16 KiB). */
const MESSAGE_CHARS = 200;
const DEFAULT_SINCE = '1h';

const OPTIONS = {
  since: `how far back: a duration (30m, 2h, 1d) or a time (2026-11-25T10:00); default ${DEFAULT_SINCE}`,
  level: 'only this level or worse: critical, error, warning or info',
};

export const logs: Command<Services> = {
  name: 'logs',
  summary: "Show a host's stored log lines, newest first: the last hour unless since= says otherwise, optionally at a level or worse and containing words.",
  usage: 'HOST [since=DURATION|TIME] [level=LEVEL] [WORDS…]',
  examples: ['logs web01', 'logs web01 since=6h level=error', 'logs db12 timed out', 'logs web01 since=2026-11-25T10:00 oom'],
  role: 'viewer',
  options: OPTIONS,
  // Words such as `status=500` are text to search for, not options.
  freeText: true,
  async run(ctx, args) {
    const [hostWord, ...words] = args.positional;
    if (!hostWord) throw new UsageError('which host?');
    mistypedOption(args.tokens);
    const { logSearch, links, timezone } = ctx.services;
    const now = ctx.clock.now();
    const sinceWord = args.options.since?.trim() || DEFAULT_SINCE;
    const since = parseSince(sinceWord, now, timezone);
    const level = args.options.level === undefined ? undefined : parseLevel(args.options.level);
    const host = await logSearch.resolveHost(hostWord);
    const filter: LogFilter = { host, since, ...(level && { level }), ...(words.length > 0 && { words: words.join(' ') }) };
    const { lines, total, totalCapped, unindexedSince } = await logSearch.search(filter, CHANNEL_LINES);

    const window = parseDuration(sinceWord) !== null ? `in the last ${sinceWord.toLowerCase()}` : `since ${formatTime(since, timezone)}`;
    const about = [level && level !== 'info' && `${level} or worse`, filter.words !== undefined && `matching "${cut(filter.words, 60)}"`].filter(Boolean).join(', ');
    const pending = unindexedSince ? [line(tone('muted', `(lines since ${clock(unindexedSince, timezone, now)} are still being indexed: words do not find them yet)`))] : [];
    if (total === 0) {
      const newest = await logSearch.newest(host);
      const hint =
        newest === null ? `; none are stored from ${host.name} at all`
        : Date.parse(newest) < since.getTime() ? `; the newest came in ${formatTime(newest, timezone)} (${ctx.prefix}logs ${hostWord} since=${sinceToReach(newest, now)})`
        : '';
      return reply(richText(line(`no log lines from ${host.name} ${window}${about ? `, ${about}` : ''}${hint}`), ...pending));
    }

    const zone = formatTime(now, timezone).split(' ').pop();
    const head = line(bold(host.name), `: ${totalCapped ? `over ${total}` : total} log line${total === 1 ? '' : 's'} ${window}${about ? `, ${about}` : ''} (newest first, ${zone}):`);
    const params = new URLSearchParams({ host: hostWord, ...(sinceWord !== DEFAULT_SINCE && { since: sinceWord }), ...(level && { level }), ...(filter.words !== undefined && { q: filter.words }) });
    const more = moreLine(total - lines.length, totalCapped, links.logs(params));
    return reply(richText(head, list(lines.map((l) => lineBrief(l, timezone, now))), ...(more ? [more] : []), ...pending));
  },
};

/**
 * A free-text command keeps `key=value` words as text, so `sinse=2h` would
 * quietly become words to search for: a key one edit from an option is
 * taken for a typo (quoted, it is searched for).
 */
function mistypedOption(tokens: readonly { value: string; quoted: boolean }[]): void {
  for (const t of tokens) {
    const m = /^-{0,2}([A-Za-z]+)=/.exec(t.value);
    if (!m || t.quoted) continue;
    const key = m[1]!.toLowerCase();
    if (Object.hasOwn(OPTIONS, key)) continue;
    const hint = closest(key, Object.keys(OPTIONS), 1)[0];
    if (hint) throw new UserError(`'logs' has no option '${key}' — did you mean '${hint}'? (to search for the text, quote it: "${t.value}")`);
  }
}

function lineBrief(l: LogLine, timeZone: string, now: Date): Inline[] {
  const severity = severityOf(l.level) ?? 'info';
  const message = cut(l.message.split('\n', 1)[0]!.trim(), MESSAGE_CHARS);
  return [clock(l.received_at, timeZone, now), ' ', tone(SEVERITY_TONE[severity], bold(l.level.toUpperCase())), ' ', ...(l.malformed ? [tone('muted', '(unparsed)'), ' '] : []), message];
}

/** "…and N more", pointing at the board; "over N" when the count stopped counting. */
function moreLine(hidden: number, capped: boolean, url: string | undefined): Block | null {
  if (hidden <= 0) return null;
  const what = `…and ${capped ? 'over ' : ''}${hidden} more`;
  return url ? line(`${what}: `, link(url)) : line(what);
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** `14:03:07`, or `11-24 14:03:07` for a line from another day: seconds matter in a log, the zone is said once in the head. */
function clock(iso: string, timeZone: string, now: Date): string {
  let f = clockFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timeZone, f);
  }
  const parts = (d: Date) => Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
  const at = parts(new Date(iso));
  const today = parts(now);
  const time = `${at.hour}:${at.minute}:${at.second}`;
  return at.month === today.month && at.day === today.day ? time : `${at.month}-${at.day} ${time}`;
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
