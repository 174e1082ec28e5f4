import { reply, UsageError, type CommandAction } from '../../src/chat/command.js';
import { splitArgs, type Token } from '../../src/chat/command-line.js';
import { bold, line, richText, tone } from '../../src/chat/rich-text.js';
import { closest } from '../../src/chat/suggest.js';
import { sameName } from '../../src/domain/people.js';
import { isPriority, PRIORITIES, type Priority } from '../../src/domain/tickets/model.js';
import { UserError } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { actorOf } from '../format/actor.js';
import { mentionedIn, rules, withUsage, type Ctx } from './context.js';
import { briefMentioning } from './format.js';

/** `!ticket new`: open a ticket. */

const NEW_OPTIONS = ['prio', 'priority', 'host', 'hosts'];

/** `@Alice Smith` from Slack is two words; the message's mentions say where the name ends. */
function mentionAt(ctx: Ctx, tokens: readonly Token[], i: number): { word: string; used: number } {
  const mentions = [...(ctx.message.mentions ?? [])].sort((a, b) => b.name.length - a.name.length);
  for (const m of mentions) {
    const words = `@${m.name}`.split(/\s+/);
    if (words.length > 1 && words.every((w, k) => sameName(tokens[i + k]?.value, w) && !tokens[i + k]!.quoted)) return { word: `@${m.name}`, used: words.length };
  }
  return { word: tokens[i]!.value, used: 1 };
}

function parsePriority(word: string): Priority {
  const p = word.toLowerCase();
  if (isPriority(p)) return p;
  const hint = closest(p, PRIORITIES, 1)[0];
  throw new UserError(`unknown priority '${word}'${hint ? ` — did you mean ${hint}?` : ''} (use ${[...PRIORITIES].reverse().join(', ')})`);
}

export const create: CommandAction<Services> = {
  summary:
    'Open a ticket. A @name anywhere is the assignee (one; someone else only for operators, @me for anyone); host= relates it to hosts (host=web01,web02 or host= again); words after -- are the description. ' +
    'Anyone may open one; someone not logged in to an account cannot assign it and gets no updates. Quote a word to keep @ or = in the title.',
  usage: 'TITLE… [@ASSIGNEE] [prio=PRIORITY] [host=NAME,…] [-- DESCRIPTION…]',
  examples: ['ticket new disk full on web01 @alice prio=high host=web01', 'ticket new replace PSU host=db12 host=db13 -- fan noise since Monday, vendor ticket 1234'],
  role: 'viewer',
  options: { prio: `priority: ${[...PRIORITIES].reverse().join(', ')} (default normal)`, priority: 'same as prio=', host: 'a related host; several: host=web01,web02 or host= again', hosts: 'same as host=' },
  freeText: true,
  async run(ctx, args) {
    // ParsedArgs keeps one value per option and drops `--`: `new` reads the words as typed.
    const tokens = args.tokens;
    const titleWords: string[] = [];
    const descWords: string[] = [];
    const hosts: string[] = [];
    let priority: Priority | undefined;
    let assigneeWord: string | undefined;
    let inDescription = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (inDescription) {
        descWords.push(t.value);
        continue;
      }
      if (t.value === '--' && !t.quoted) {
        inDescription = true;
        continue;
      }
      const parsed = splitArgs([t], NEW_OPTIONS);
      const [key, value] = Object.entries(parsed.options)[0] ?? [];
      if (key === 'prio' || key === 'priority') {
        const p = parsePriority(value!);
        if (priority !== undefined && priority !== p) throw new UserError(`two priorities, ${priority} and ${p}: give one prio=`);
        priority = p;
      } else if (key === 'host' || key === 'hosts') {
        const names = value!.split(',').map((h) => h.trim()).filter(Boolean);
        if (names.length === 0) throw new UsageError('which host? host=NAME, e.g. host=web01');
        hosts.push(...names);
      } else if (!t.quoted && /^@[^@\s]/.test(t.value)) {
        const m = mentionAt(ctx, tokens, i);
        if (assigneeWord !== undefined) throw new UserError(`a ticket has one assignee; you named ${assigneeWord} and ${m.word} (quote a word to keep an @ in the title)`);
        assigneeWord = m.word;
        i += m.used - 1;
      } else {
        titleWords.push(t.value);
      }
    }
    const titleText = titleWords.join(' ').trim();
    if (titleText === '') throw new UsageError('a ticket needs a title');
    const asker = rules(ctx);
    const { person: reporter, fix } = asker.whoAmI();
    const named = assigneeWord;
    const assignee = named !== undefined ? withUsage(() => asker.newTicketAssignee(named)) : undefined;
    const channel = mentionedIn(ctx);
    const t = await ctx.services.tickets.create({
      title: titleText,
      ...(descWords.length > 0 && { description: descWords.join(' ') }),
      ...(priority && { priority }),
      reporter: reporter ?? actorOf(ctx),
      ...(assignee && { assignee }),
      ...(hosts.length > 0 && { hosts }),
      ...(channel && { channel }),
    });
    return reply(
      richText(
        line(
          bold(`#${t.id} created:`),
          ' ',
          ...briefMentioning(ctx, t, assignee),
          ...(reporter ? [] : [' ', tone('muted', `(you will get no updates on it; to get them, ${fix})`)]),
        ),
      ),
    );
  },
};
