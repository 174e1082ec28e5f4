import { bold, join, line, list, richText, tone, type Inline, type RichText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import { DueSchedule } from '../../scheduler/due.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { Sql } from '../../store/sql.js';
import { formatDuration } from '../../time/duration.js';
import { oneLine } from './format.js';
import { PRIORITIES, type Ticket } from './model.js';
import type { TicketService } from './service.js';

/** People listed in the digest; the rest are counted. */
const PEOPLE_SHOWN = 8;
const TICKETS_PER_PERSON = 4;
const STALE_SHOWN = 8;

/**
 * The daily digest: open tickets per assignee (whoever has the most urgent
 * work first, urgent tickets first within each), then the tickets nobody
 * has touched for `staleMs`. `active` comes sorted most urgent first.
 */
function ticketDigest(active: readonly Ticket[], now: Date, staleMs: number): RichText {
  if (active.length === 0) return richText(line(bold('📋 Tickets:'), ' ', tone('ok', 'none open')));
  const byPerson = new Map<string, Ticket[]>();
  for (const t of active) {
    const key = t.assignee ?? '';
    byPerson.set(key, [...(byPerson.get(key) ?? []), t]);
  }
  const rank = (ts: Ticket[]) => Math.min(...ts.map((t) => PRIORITIES.indexOf(t.priority)));
  const people = [...byPerson].sort(([a, ta], [b, tb]) => (a === '') !== (b === '') ? (a === '' ? 1 : -1) : rank(ta) - rank(tb) || tb.length - ta.length || a.localeCompare(b));
  const urgent = active.filter((t) => t.priority === 'urgent').length;
  const items: Inline[][] = people.slice(0, PEOPLE_SHOWN).map(([person, ts]) => [
    bold(person || 'unassigned'),
    ` (${ts.length}): `,
    ...ts.slice(0, TICKETS_PER_PERSON).flatMap((t, i) => [...(i > 0 ? [', '] : []), ...ticketRef(t)]),
    ...(ts.length > TICKETS_PER_PERSON ? [tone('muted', ` …and ${ts.length - TICKETS_PER_PERSON} more`)] : []),
  ]);
  if (people.length > PEOPLE_SHOWN) items.push([tone('muted', `…and ${people.length - PEOPLE_SHOWN} more people`)]);
  const cutoff = now.getTime() - staleMs;
  const stale = active.filter((t) => Date.parse(t.updated_at) <= cutoff).sort((a, b) => a.updated_at.localeCompare(b.updated_at));
  if (stale.length > 0) {
    items.push([
      tone('warning', `no update in ${formatDuration(staleMs)}: `),
      ...stale.slice(0, STALE_SHOWN).flatMap((t, i) => [...(i > 0 ? [', '] : []), `#${t.id} (${formatDuration(now.getTime() - Date.parse(t.updated_at))})`]),
      ...(stale.length > STALE_SHOWN ? [` …and ${stale.length - STALE_SHOWN} more`] : []),
    ]);
  }
  return richText(
    line(...join([bold('📋 Tickets:'), `${active.length} open`, urgent > 0 && tone('critical', `(${urgent} urgent)`)])),
    list(items),
  );
}

function ticketRef(t: Ticket): Inline[] {
  const label = `#${t.id} ${oneLine(t.title, 40)}`;
  return [t.priority === 'urgent' ? tone('critical', label) : t.priority === 'high' ? tone('warning', label) : label];
}

/** Active tickets the digest reads at most; a tracker with more has other problems. */
const DIGEST_LIMIT = 5000;

/**
 * The digest on its schedule (`tickets.digest.cron`). The post and the
 * next due time commit together, so it goes out once per occurrence
 * however often the job runs and however often the bot restarts.
 */
export class TicketDigestJob implements Job {
  readonly name = 'ticket digest';
  /** Whatever the digest's cron says, it is due on a minute: checked every minute, it is at most one late. */
  readonly every = '0 * * * * *';
  private readonly due: DueSchedule;

  constructor(private readonly deps: { db: Sql; clock: Clock; tickets: TicketService; outbox: Outbox; cron: string; timezone: string; channels: readonly string[]; staleMs: number }) {
    this.due = new DueSchedule(deps.db, deps.clock, 'ticket digest', deps.cron, deps.timezone);
  }

  /** The scheduler's entry: posts the digest if one is due. */
  async run(): Promise<void> {
    await this.runIfDue();
  }

  /**
   * Posts the digest if one is due; true when it did. DueSchedule claims the
   * occurrence and the post is enqueued in its transaction, so of two nodes
   * (or a `git-hook --db` writing in between) one posts.
   */
  runIfDue(): Promise<boolean> {
    return this.due.runIfDue(() => this.post());
  }

  private async post(): Promise<void> {
    const active = (await this.deps.tickets.list({ status: 'active' }, DIGEST_LIMIT)).tickets;
    const body = ticketDigest(active, this.deps.clock.now(), this.deps.staleMs);
    for (const channel of this.deps.channels) await this.deps.outbox.enqueue({ channel, body });
  }
}
