import { parseHashId } from '../src/chat/args.js';
import { reply, UsageError, type Command } from '../src/chat/command.js';
import { bold, code, join, line, list, richText, text } from '../src/chat/rich-text.js';
import { describeMatchers, parseMatcher, type Matcher } from '../src/domain/alerts/silences.js';
import { UserError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { formatDuration, parseDuration } from '../src/time/duration.js';
import { formatTime } from '../src/time/format.js';
import { actorOf } from './format/actor.js';

/** Longest silence: a forgotten one should not hide alerts for a month. */
const MAX_SILENCE_MS = 14 * 86_400_000;

export const silence: Command<Services> = {
  name: 'silence',
  summary: 'Keep matching alerts from being posted for a while (they are still stored and listed).',
  usage: 'KEY=GLOB… DURATION [reason…]',
  examples: ['silence host=web0* alertname=DiskFull 2h disk swap', 'silence severity=warning 30m', 'silence instance=~db[0-9]+:.* 1h'],
  role: 'operator',
  freeText: true,
  async run(ctx, args) {
    // A free-text command with no options: `key=value` words stay positional, in order.
    const words = args.positional;
    const matchers: Matcher[] = [];
    let i = 0;
    for (; i < words.length; i++) {
      const m = parseMatcher(words[i]!);
      if (!m) break;
      matchers.push(m);
    }
    if (matchers.length === 0) throw new UsageError();
    const durationWord = words[i];
    const ms = durationWord ? parseDuration(durationWord) : null;
    if (ms === null) throw durationWord ? new UserError(`'${durationWord}' is not a duration: use e.g. 30m, 2h or 1d`) : new UsageError();
    if (ms <= 0 || ms > MAX_SILENCE_MS) throw new UserError(`a silence lasts from 1s to ${formatDuration(MAX_SILENCE_MS)}`);
    const reason = words.slice(i + 1).join(' ') || null;
    const { silence: s, covered } = await ctx.services.alerts.silence(matchers, ms, actorOf(ctx), reason);
    return reply(
      richText(
        line(
          ...join([
            `🔇 silence #${s.id}:`,
            code(describeMatchers(s.matchers)),
            `until ${formatTime(s.ends_at, ctx.services.timezone)}`,
            covered > 0 && `(covers ${covered} firing alert${covered === 1 ? '' : 's'})`,
            reason && `— ${reason}`,
          ]),
        ),
      ),
    );
  },
};

export const silences: Command<Services> = {
  name: 'silences',
  summary: 'List active silences.',
  usage: '',
  examples: ['silences'],
  role: 'viewer',
  async run(ctx) {
    const active = await ctx.services.silences.active();
    if (active.length === 0) return reply(text('no active silences'));
    const now = ctx.clock.now().getTime();
    return reply(
      richText(
        line(bold(`${active.length} active silence${active.length === 1 ? '' : 's'}:`)),
        list(
          active.map((s) =>
            join([bold(`#${s.id}`), code(describeMatchers(s.matchers)), `for ${formatDuration(Date.parse(s.ends_at) - now)} more`, `by ${s.created_by}`, s.reason && `— ${s.reason}`]),
          ),
        ),
      ),
    );
  },
};

export const unsilence: Command<Services> = {
  name: 'unsilence',
  summary: 'End a silence now.',
  usage: 'ID',
  examples: ['unsilence 3'],
  role: 'operator',
  async run(ctx, args) {
    const id = parseHashId(args.positional[0] ?? '');
    if (id === null || args.positional.length > 1) throw new UsageError(undefined, { hint: `(${ctx.prefix}silences lists them)` });
    const s = await ctx.services.silences.get(id);
    if (!s) throw new UserError(`no silence #${id}`);
    if (s.removed_at || Date.parse(s.ends_at) <= ctx.clock.now().getTime()) throw new UserError(`silence #${id} has already ended`);
    await ctx.services.alerts.unsilence(id, actorOf(ctx));
    return reply(text(`silence #${id} (${describeMatchers(s.matchers)}) ended`));
  },
};
