import { bold, line, richText, type RichText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import { UserError } from '../../errors.js';
import type { Sql } from '../../store/sql.js';
import type { People, Person } from '../people.js';
import type { Inventory } from '../servers/inventory.js';
import { requireOneServer } from '../servers/lookup.js';
import { ticketBrief } from './format.js';
import { type Priority, type Ticket, type TicketCommit, type TicketEvent, type TicketFilter, type TicketStatus } from './model.js';
import { ftsQuery, type TicketStore } from './store.js';

const MAX_TITLE = 200;
const MAX_TEXT = 4000;

export interface NewTicket {
  title: string;
  description?: string;
  priority?: Priority;
  /** A string: someone the bot could not verify (`irc:nick:NAME`), recorded as the reporter but never watching or messaged. */
  reporter: Person | string;
  assignee?: Person;
  /** Host names as typed; each must be in the inventory. */
  hosts?: string[];
  channel?: string;
}

/**
 * Tickets: opened, assigned, commented and closed from chat, linked by
 * commits. Every change is one transaction with its timeline entry; the
 * people involved (watchers, the assignee) hear about changes they did not
 * make themselves, privately.
 */
export class TicketService {
  constructor(private readonly deps: { db: Sql; clock: Clock; store: TicketStore; inventory: Inventory; people: People; outbox: Outbox }) {}

  async create(t: NewTicket): Promise<Ticket> {
    const title = t.title.trim();
    if (title === '') throw new UserError('a ticket needs a title');
    if (title.length > MAX_TITLE) throw new UserError(`a title is at most ${MAX_TITLE} characters; put the rest in a comment`);
    if ((t.description?.length ?? 0) > MAX_TEXT) throw new UserError(`a description is at most ${MAX_TEXT} characters`);
    const servers: { id: number; name: string }[] = [];
    for (const h of t.hosts ?? []) servers.push(await this.server(h));
    const { store } = this.deps;
    const reporter = typeof t.reporter === 'string' ? t.reporter : t.reporter.name;
    return this.deps.db.tx(async () => {
      const id = await store.insert({
        title, description: t.description?.trim() ?? '', priority: t.priority ?? 'normal',
        reporter, assignee: t.assignee?.name ?? null, channel: t.channel ?? null,
      });
      await store.addEvent(id, { actor: reporter, kind: 'created' });
      for (const s of servers) await store.addHost(id, s.id);
      if (typeof t.reporter !== 'string') await store.addWatcher(id, reporter);
      if (t.assignee) {
        await store.addEvent(id, { actor: reporter, kind: 'assign', new_value: t.assignee.name });
        await store.addWatcher(id, t.assignee.name);
      }
      const ticket = (await store.get(id))!;
      if (t.assignee) await this.notify(ticket, t.reporter, `${reporter} opened it and assigned you`, { only: t.assignee.name, mentionedIn: t.channel });
      return ticket;
    });
  }

  get(id: number): Promise<Ticket | null> {
    return this.deps.store.get(id);
  }

  /** The last `limit` timeline entries, oldest first. */
  timeline(id: number, limit: number): Promise<TicketEvent[]> {
    return this.deps.store.timeline(id, limit);
  }

  watchers(id: number): Promise<string[]> {
    return this.deps.store.watchers(id);
  }

  commits(id: number): Promise<TicketCommit[]> {
    return this.deps.store.commits(id);
  }

  /** The ticket, or a user error that says there is none. */
  async require(id: number): Promise<Ticket> {
    const t = await this.deps.store.get(id);
    if (!t) throw new UserError(`no ticket #${id}`);
    return t;
  }

  /** `mentionedIn`: the channel whose reply mentions the new assignee. */
  async assign(id: number, assignee: Person, actor: Person, mentionedIn?: string): Promise<{ ticket: Ticket; previous: string | null }> {
    const { store } = this.deps;
    return this.deps.db.tx(async () => {
      const before = await this.require(id);
      if (before.assignee?.toLowerCase() === assignee.name.toLowerCase()) throw new UserError(`#${id} is already assigned to ${before.assignee}`);
      await store.setAssignee(id, assignee.name);
      await store.addEvent(id, { actor: actor.name, kind: 'assign', old_value: before.assignee, new_value: assignee.name });
      await store.addWatcher(id, assignee.name);
      const ticket = (await store.get(id))!;
      await this.notify(ticket, actor, assignee.name === actor.name ? `${actor.name} took it` : `${actor.name} assigned ${assignee.name}`, { mentionedIn });
      return { ticket, previous: before.assignee };
    });
  }

  async setStatus(id: number, status: TicketStatus, actor: Person | string, note?: string): Promise<Ticket> {
    if (note && note.length > MAX_TEXT) throw new UserError(`a note is at most ${MAX_TEXT} characters`);
    const { store } = this.deps;
    const who = typeof actor === 'string' ? actor : actor.name;
    return this.deps.db.tx(async () => {
      const before = await this.require(id);
      if (before.status === status) throw new UserError(`#${id} is already ${status.replace('_', ' ')}`);
      await store.setStatus(id, status);
      await store.addEvent(id, { actor: who, kind: 'status', old_value: before.status, new_value: status, body: note?.trim() || null });
      const ticket = (await store.get(id))!;
      await this.notify(ticket, actor, `${who} set it ${status.replace('_', ' ')}${note ? `: ${note}` : ''}`);
      return ticket;
    });
  }

  async comment(id: number, actor: Person, body: string): Promise<Ticket> {
    const text = body.trim();
    if (text === '') throw new UserError('an empty comment says nothing');
    if (text.length > MAX_TEXT) throw new UserError(`a comment is at most ${MAX_TEXT} characters`);
    const { store } = this.deps;
    return this.deps.db.tx(async () => {
      await this.require(id);
      await store.addEvent(id, { actor: actor.name, kind: 'comment', body: text });
      const ticket = (await store.get(id))!;
      await this.notify(ticket, actor, `${actor.name}: ${text}`);
      return ticket;
    });
  }

  /** False when they were watching already. */
  async watch(id: number, person: Person): Promise<boolean> {
    const { store } = this.deps;
    return this.deps.db.tx(async () => {
      await this.require(id);
      if (!(await store.addWatcher(id, person.name))) return false;
      await store.addEvent(id, { actor: person.name, kind: 'watch', new_value: person.name });
      return true;
    });
  }

  /**
   * A commit that references ticket `id`. Links once however often it is
   * seen; closes once, and only when `closes` (a closing keyword that
   * reached the default branch). Null when there is no such ticket. Call
   * inside the push's transaction; the caller notifies (once per push).
   */
  async recordCommit(id: number, c: { repo: string; sha: string; author: string; subject: string; url: string | null; where: string }, action: 'link' | 'close', closes: boolean): Promise<'linked' | 'closed' | 'seen' | null> {
    const { store } = this.deps;
    if (!(await store.exists(id))) return null;
    const linked = await store.link(id, { repo: c.repo, sha: c.sha, action, author: c.author, subject: c.subject, url: c.url });
    if (linked === 'new') {
      await store.addEvent(id, { actor: c.author, kind: 'commit', body: `${c.author}: ${c.subject} (${c.where})`, repo: c.repo, sha: c.sha, url: c.url });
    }
    if (closes && (await store.markClosedBy(id, c.repo, c.sha))) {
      const t = (await store.get(id))!;
      // A resolved ticket is closed by the fix reaching the default branch too.
      if (t.status !== 'closed') {
        await this.setStatus(id, 'closed', c.author, `closed by ${c.sha.slice(0, 7)} in ${c.where}: ${c.subject}`);
        return 'closed';
      }
    }
    return linked === 'new' ? 'linked' : 'seen';
  }

  /** One private notice for the commits one push linked to a ticket, however many. */
  async notifyCommits(id: number, pusher: string, where: string, commits: readonly { sha: string; subject: string }[]): Promise<void> {
    const [first] = commits;
    if (!first) return;
    const what = commits.length === 1 ? `commit ${first.sha.slice(0, 7)} in ${where}: ${first.subject}` : `${commits.length} commits in ${where}, first ${first.sha.slice(0, 7)}: ${first.subject}`;
    await this.notify(await this.require(id), pusher, `${pusher} pushed ${what}`);
  }

  /** Commits a force-push or deletion took off a ref: their links stay, the timeline says what happened. Returns the tickets noted. */
  async noteRemoved(repo: string, shas: readonly string[], what: string, actor: string): Promise<number[]> {
    const { store } = this.deps;
    const noted: number[] = [];
    for (const sha of shas) {
      for (const id of await store.linkedTo(repo, sha)) {
        await store.addEvent(id, { actor, kind: 'force_push', body: `${sha.slice(0, 7)} ${what}`, repo, sha });
        noted.push(id);
      }
    }
    return noted;
  }

  async list(filter: TicketFilter, limit: number, offset = 0): Promise<{ total: number; tickets: Ticket[] }> {
    if (filter.search !== undefined && ftsQuery(filter.search) === '') throw new UserError('search for words: letters or digits, e.g. disk full');
    return this.deps.store.list(filter, limit, offset);
  }

  /** The server a host name, FQDN or IP means, or a user error with suggestions. */
  async server(name: string): Promise<{ id: number; name: string }> {
    return await requireOneServer(this.deps.inventory, name);
  }

  /**
   * Tells the ticket's watchers and assignee what happened, privately on
   * every platform they are known on, except whoever did it. `only` limits
   * it to one person; `mentionedIn` is the channel whose reply already
   * mentions the assignee, so they get no private message on that platform.
   */
  private async notify(ticket: Ticket, actor: Person | string, what: string, opts: { only?: string; mentionedIn?: string | undefined } = {}): Promise<void> {
    const { people, outbox, store } = this.deps;
    const actorName = (typeof actor === 'string' ? actor : actor.name).toLowerCase();
    const names = opts.only ? [opts.only] : [...new Set([...(await store.watchers(ticket.id)), ...(ticket.assignee ? [ticket.assignee] : [])])];
    const mentionedOn = opts.mentionedIn?.split(':')[0];
    // ticketBrief is joined already: `#42`, ' ', then the rest.
    const body: RichText = richText(line(bold(`#${ticket.id}`), ` ${what} — `, ...ticketBrief(ticket).slice(2)));
    for (const name of names) {
      if (name.toLowerCase() === actorName) continue;
      for (const address of people.directAddresses(people.named(name))) {
        if (mentionedOn && name === ticket.assignee && address.startsWith(`${mentionedOn}:`)) continue;
        await outbox.enqueue({ channel: address, body });
      }
    }
  }
}
