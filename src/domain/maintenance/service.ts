import type { Logger } from 'pino';
import { bold, join, line, richText, tone, type Inline, type RichText } from '../../chat/rich-text.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../delivery/outbox.js';
import { UserError } from '../../errors.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { Sql } from '../../store/sql.js';
import { formatDuration } from '../../time/duration.js';
import { formatTime } from '../../time/format.js';
import type { AlertStore } from '../alerts/store.js';
import { hostRange } from '../servers/host-range.js';
import type { Inventory } from '../servers/inventory.js';
import type { Server, ServerStatus } from '../servers/model.js';
import { checkCron, nextOccurrence } from '../../scheduler/cron.js';
import type { MaintenanceWindow, Schedule } from './model.js';
import type { MaintenanceStore } from './store.js';
import { resolveTargets } from './targets.js';

export interface MaintenanceDeps {
  db: Sql;
  clock: Clock;
  store: MaintenanceStore;
  inventory: Inventory;
  alertStore: AlertStore;
  outbox: Outbox;
  log: Logger;
  timezone: string;
  /** Announce this long before a window starts. */
  leadMs: number;
  /** Say a window is overdue this often while it is. */
  overdueEveryMs: number;
}

/** A start later than this after its planned time says it started late (the tick runs every 15 s: see `job`). */
const LATE_MS = 20_000;

export interface PlanInput {
  title: string;
  targets: string;
  startsAt: Date;
  durationMs: number;
  owner: string;
  channels: string[];
}

/**
 * Maintenance windows: planned, started (now or by the scheduler's tick),
 * updated, extended, finished. Hosts go to `maintenance` at the start and
 * get their status back at the end unless someone changed it meanwhile.
 * Everything the scheduler does is a conditional write in the store (it
 * only wins if the state is still the one the tick read), made in one
 * transaction with what it announces, so neither a restart nor a second
 * process on the same PostgreSQL store skips or repeats anything.
 */
export class MaintenanceService {
  private readonly endListeners: Array<(serverIds: number[], startedAt: string) => void | Promise<void>> = [];

  constructor(private readonly d: MaintenanceDeps) {}

  /** A new window; one whose start has come starts at once. */
  async plan(input: PlanInput, actor: string): Promise<MaintenanceWindow> {
    const title = checkTitle(input.title);
    await this.checkTargets(input.targets);
    const w = await this.d.db.tx(async () => {
      const w = (await this.d.store.insert({ title, targets: input.targets, starts_at: input.startsAt, ends_at: new Date(input.startsAt.getTime() + input.durationMs), owner: input.owner, channels: input.channels }))!;
      await this.d.store.addUpdate(w.id, actor, 'planned', null);
      return w;
    });
    await this.tickSafely();
    return (await this.d.store.get(w.id))!;
  }

  /** A recurring window: each occurrence becomes a window a lead time ahead. */
  async planRecurring(input: Omit<PlanInput, 'startsAt'> & { cron: string }, actor: string): Promise<{ schedule: Schedule; first: MaintenanceWindow | null }> {
    const title = checkTitle(input.title);
    checkCron(input.cron);
    await this.checkTargets(input.targets);
    const next = nextOccurrence(input.cron, this.d.clock.now(), this.d.timezone);
    if (!next) throw new UserError(`'${input.cron}' never comes round in the next year`);
    const schedule = await this.d.store.insertSchedule({ title, targets: input.targets, cron: input.cron, duration_ms: input.durationMs, owner: input.owner, channels: input.channels, next_at: next.toISOString() });
    this.d.log.info({ schedule: schedule.id, cron: input.cron, actor }, 'recurring maintenance planned');
    await this.tickSafely();
    return { schedule, first: await this.d.store.firstOfSchedule(schedule.id) };
  }

  /** Every name, glob and role must cover at least one host now. */
  private async checkTargets(targets: string): Promise<void> {
    const { empty } = await resolveTargets(this.d.inventory, targets);
    if (empty.length > 0) throw new UserError(`${empty.join(', ')} match${empty.length === 1 ? 'es' : ''} no host in the inventory`);
  }

  /** A tick right after planning, so a window due now starts now; another window's trouble is not this request's error. */
  private async tickSafely(): Promise<void> {
    try {
      await this.tick();
    } catch (err) {
      this.d.log.error({ err }, 'maintenance tick after planning failed; the scheduler retries');
    }
  }

  /** For the scheduler: `tick` every 15 s, so a window starts at most that late, which LATE_MS allows for. */
  job(): Job {
    return { name: 'maintenance', every: '*/15 * * * * *', run: () => this.tick() };
  }

  /**
   * The scheduler's work, run every few seconds and at start-up: make
   * recurring occurrences into windows, announce what starts soon, start
   * what is due (late, if the bot was down), and say what is overdue.
   * The lists are read first; each window's change is then checked and
   * made in its own transaction by a conditional write, and announced
   * only by the tick whose write won.
   */
  async tick(): Promise<void> {
    const now = this.d.clock.now();
    const soon = new Date(now.getTime() + this.d.leadMs);
    for (const s of await this.d.store.dueSchedules(soon)) await this.materialize(s);
    for (const w of await this.d.store.dueLead(soon)) {
      if (Date.parse(w.starts_at) <= now.getTime()) continue; // starting now: the start announcement says it
      await this.d.db.tx(async () => {
        if (!(await this.d.store.markLeadAnnounced(w.id))) return;
        await this.announce(w, line(tone('warning', bold(`🛠 in ${formatDuration(Date.parse(w.starts_at) - now.getTime())}:`)), ' maintenance ', ...this.describe(w)));
      });
    }
    for (const w of await this.d.store.dueToStart(now)) {
      if (Date.parse(w.ends_at) <= now.getTime()) await this.miss(w, now);
      else await this.start(w);
    }
    for (const w of await this.d.store.dueOverdue(now, new Date(now.getTime() - this.d.overdueEveryMs))) {
      await this.d.db.tx(async () => {
        if (!(await this.d.store.markOverdue(w.id, w.overdue_announced_at, now))) return;
        const over = formatDuration(now.getTime() - Date.parse(w.ends_at));
        await this.announce(w, line(...join([tone('critical', bold('⏰ overdue:')), `maintenance #${w.id}`, bold(w.title), `— planned end ${this.time(w.ends_at)} passed ${over} ago; !maint done ${w.id} or !maint extend ${w.id} 30m`])));
      });
    }
  }

  /**
   * Makes a schedule's next occurrence a window. Occurrences that ended
   * while the bot was down are not started after the fact: the channels
   * hear how many were missed.
   */
  private async materialize(s: Schedule): Promise<void> {
    const now = this.d.clock.now().getTime();
    let startsAt: Date | null = new Date(s.next_at);
    let missed = 0;
    while (startsAt && startsAt.getTime() + s.duration_ms <= now && missed < 1000) {
      missed++;
      startsAt = nextOccurrence(s.cron, startsAt, this.d.timezone);
    }
    let occurrence: Date | null = null;
    if (startsAt && startsAt.getTime() <= now + this.d.leadMs) {
      occurrence = startsAt;
      startsAt = nextOccurrence(s.cron, startsAt, this.d.timezone);
    }
    await this.d.db.tx(async () => {
      // The claim: the schedule moves on only from the occurrence we read. Another
      // tick or process that made it first (or a stop meanwhile) makes this a no-op.
      const claimed = startsAt ? await this.d.store.advanceSchedule(s.id, s.next_at, startsAt.toISOString()) : await this.d.store.endSchedule(s.id, s.next_at);
      if (!claimed) return;
      if (missed > 0) {
        const body = richText(line(...join([tone('critical', bold('🛠 missed:')), `${missed} occurrence${missed === 1 ? '' : 's'} of recurring maintenance`, bold(s.title), `("${s.cron}") ended while the bot was down`])));
        for (const channel of s.channels) await this.d.outbox.enqueue({ channel, body });
      }
      if (occurrence) {
        await this.d.store.insert({ title: s.title, targets: s.targets, starts_at: occurrence, ends_at: new Date(occurrence.getTime() + s.duration_ms), owner: s.owner, channels: s.channels, schedule_id: s.id });
      }
    });
  }

  /** Cancels a window and stops the recurring schedule it belongs to, together or not at all. */
  async cancelSeries(id: number, actor: string, reason: string | null): Promise<FinishResult> {
    const { ended, scheduleId } = await this.d.db.tx(async () => {
      const w = await this.require(id);
      if (w.schedule_id === null) throw new UserError(`maintenance #${id} is not recurring; drop --series`);
      const s = await this.d.store.schedule(w.schedule_id);
      if (!s || s.cancelled_at) throw new UserError(`recurring maintenance '${w.title}' was already stopped`);
      const ended = await this.finishInTx(id, 'cancelled', actor, reason);
      // Stopped by someone else since we read it: the whole cancel rolls back.
      if (!(await this.d.store.cancelSchedule(s.id))) throw new UserError(`recurring maintenance '${w.title}' was already stopped`);
      return { ended, scheduleId: s.id };
    });
    this.d.log.info({ schedule: scheduleId, actor }, 'recurring maintenance stopped');
    await this.notifyEnded(ended);
    return ended.result;
  }

  /** A window whose whole planned time passed while the bot was down: not started after the fact, but said. */
  private async miss(w: MaintenanceWindow, now: Date): Promise<void> {
    await this.d.db.tx(async () => {
      if (!(await this.d.store.markMissed(w.id, now))) return;
      await this.d.store.addUpdate(w.id, 'opsbridge', 'cancelled', 'missed: its planned time passed while the bot was down');
      await this.announce(w, line(...join([tone('critical', bold('🛠 missed:')), `maintenance #${w.id}`, bold(w.title), `(${this.time(w.starts_at)}–${this.time(w.ends_at)}) passed while the bot was down; it was not started`])));
    });
  }

  /** Starts a due window: its hosts go to maintenance, the channels hear it. Does nothing if it was started already. */
  private async start(due: MaintenanceWindow): Promise<void> {
    const now = this.d.clock.now();
    await this.d.db.tx(async () => {
      if (!(await this.d.store.markStarted(due.id))) return;
      // As it is now that we hold it (an extend may have moved its end since the tick read it).
      const w = (await this.d.store.get(due.id)) ?? due;
      // Resolved target by target: a host renamed since planning is skipped, the rest still start.
      const { servers, skipped } = await resolveEach(this.d.inventory, w.targets);
      if (skipped.length > 0) this.d.log.warn({ window: w.id, skipped }, 'maintenance targets changed since planned');
      // In id order, as finish walks them: two processes starting overlapping windows lock the hosts in one order.
      for (const s of [...servers].sort((x, y) => x.id - y.id)) {
        // Held by another window: remember what it had before that one (unless someone changed it since).
        const other = (await this.d.store.activeForServer(s.id)).find((o) => o.id !== w.id);
        await this.d.store.addHost(w.id, s.id, other && s.status === 'maintenance' ? other.previous_status : s.status);
        if (s.status !== 'maintenance') await this.d.inventory.setStatus(s.id, 'maintenance', `maintenance #${w.id}`, w.title, w.id);
      }
      const late = now.getTime() - Date.parse(w.starts_at);
      await this.d.store.addUpdate(w.id, 'opsbridge', 'started', late > LATE_MS ? `late: planned ${this.time(w.starts_at)}` : null);
      await this.announce(
        w,
        line(
          ...join([
            tone('warning', bold('🛠 started:')),
            `maintenance #${w.id}`,
            bold(w.title),
            `— ${servers.length} host${servers.length === 1 ? '' : 's'} (${hostRange(servers.map((s) => s.name)) || 'none'}) in maintenance until ${this.time(w.ends_at)}`,
            late > LATE_MS && tone('critical', `(started late: planned ${this.time(w.starts_at)})`),
            skipped.length > 0 && tone('warning', `(not in the inventory any more: ${skipped.join(', ')})`),
          ]),
        ),
      );
    });
  }

  async update(id: number, actor: string, text: string): Promise<MaintenanceWindow> {
    return this.d.db.tx(async () => {
      const w = await this.require(id);
      if (w.status === 'done' || w.status === 'cancelled') throw new UserError(`maintenance #${id} is ${w.status}`);
      await this.d.store.addUpdate(id, actor, 'update', text);
      await this.announce(w, line(...join([bold(`🛠 #${id} ${w.title}:`), text, tone('muted', `— ${actor}`)])));
      return w;
    });
  }

  async extend(id: number, ms: number, actor: string): Promise<MaintenanceWindow> {
    return this.d.db.tx(async () => {
      const w = await this.require(id);
      if (w.status === 'done' || w.status === 'cancelled') throw new UserError(`maintenance #${id} is ${w.status}; plan a new one`);
      const base = Math.max(Date.parse(w.ends_at), w.status === 'overdue' ? this.d.clock.now().getTime() : 0);
      const ends = new Date(base + ms);
      // Finished by another process since we read it (PostgreSQL): nothing to extend.
      if (!(await this.d.store.extend(id, ends))) throw new UserError(`maintenance #${id} has just ended; plan a new one`);
      await this.d.store.addUpdate(id, actor, 'extended', `until ${this.time(ends)}`);
      if (w.status !== 'scheduled') await this.announce(w, line(...join([bold(`🛠 #${id} ${w.title}`), `extended until ${this.time(ends)}`, tone('muted', `— ${actor}`)])));
      return (await this.d.store.get(id))!;
    });
  }

  /**
   * Ends a window. Each host gets back the status it had, unless another
   * running window still covers it or someone changed it meanwhile (then
   * it is left alone and the announcement says so).
   */
  async finish(id: number, how: 'done' | 'cancelled', actor: string, note: string | null): Promise<FinishResult> {
    const ended = await this.d.db.tx(() => this.finishInTx(id, how, actor, note));
    await this.notifyEnded(ended);
    return ended.result;
  }

  /** The work of `finish`, inside the caller's transaction; the end listeners are told after it commits. */
  private async finishInTx(id: number, how: 'done' | 'cancelled', actor: string, note: string | null): Promise<Ended> {
    const w = await this.require(id);
    if (w.status === 'done' || w.status === 'cancelled') throw new UserError(`maintenance #${id} is already ${w.status}`);
    if (how === 'done' && w.status === 'scheduled') throw new UserError(`maintenance #${id} has not started; !maint cancel ${id} to drop it`);
    // Only from the status just read: another process finishing (or starting) it meanwhile wins, and this rolls back.
    if (!(await this.d.store.finish(id, how, w.status))) {
      const now = await this.d.store.get(id);
      throw new UserError(`maintenance #${id} changed meanwhile (it is ${now?.status ?? 'gone'} now); try again`);
    }
    const restored: string[] = [];
    const leftAlone: string[] = [];
    let suppressed = 0;
    await this.d.store.addUpdate(id, actor, how, note);
    const hosts = await this.d.store.hosts(id);
    for (const h of hosts) {
      const server = await this.d.inventory.getById(h.server_id);
      if (!server) continue;
      if (w.started_at) suppressed += (await this.d.alertStore.suppressedSince(server.id, w.started_at)).length;
      const still = await this.d.store.activeForServer(server.id);
      if (still.length > 0) {
        leftAlone.push(`${server.name} (still in #${still.map((s) => s.id).join(', #')})`);
        continue;
      }
      const last = (await this.d.inventory.history(server.id, 1))[0];
      if (server.status === 'maintenance' && last?.maintenance_id != null) {
        await this.d.inventory.setStatus(server.id, h.previous_status as ServerStatus, `maintenance #${id}`, `maintenance ${how}`, id);
        restored.push(server.name);
      } else if (server.status !== h.previous_status) {
        leftAlone.push(`${server.name} (now ${server.status}${last ? `, set by ${last.actor}` : ''})`);
      }
    }
    const took = w.started_at ? formatDuration(this.d.clock.now().getTime() - Date.parse(w.started_at)) : null;
    const parts: Inline[] = join([
      tone('ok', bold(how === 'done' ? '✅ done:' : '✖ cancelled:')),
      `maintenance #${id}`,
      bold(w.title),
      took && `after ${took}`,
      note && `— ${note}`,
      restored.length > 0 && `— ${hostRange(restored)} back to ${[...new Set(hosts.map((h) => h.previous_status))].join('/')}`,
      w.started_at && `— ${suppressed} alert${suppressed === 1 ? ' was' : 's were'} suppressed`,
      leftAlone.length > 0 && `— left alone: ${leftAlone.slice(0, 5).join(', ')}${leftAlone.length > 5 ? ', …' : ''}`,
    ]);
    await this.announce(w, line(...parts));
    // Hosts no window holds any more whose status did not change (someone set it by hand):
    // their held alerts are released after the commit, as a status change would have.
    const uncovered: number[] = [];
    for (const h of hosts) if ((await this.d.store.activeForServer(h.server_id)).length === 0) uncovered.push(h.server_id);
    return { result: { window: (await this.d.store.get(id))!, restored, leftAlone, suppressed }, uncovered, startedAt: w.started_at };
  }

  /** Tells the end listeners, one after the other, once the window's end has committed. */
  private async notifyEnded(ended: Ended): Promise<void> {
    if (ended.startedAt === null) return;
    for (const l of this.endListeners) await l(ended.uncovered, ended.startedAt);
  }

  /** Told, after a window ended, which of its hosts no running window covers any more; awaited. */
  onWindowEnded(listener: (serverIds: number[], startedAt: string) => void | Promise<void>): void {
    this.endListeners.push(listener);
  }

  /** Whether a running window covers the host: alerts for it are held back. */
  async covers(serverId: number): Promise<boolean> {
    return (await this.d.store.activeForServer(serverId)).length > 0;
  }

  async require(id: number): Promise<MaintenanceWindow> {
    const w = await this.d.store.get(id);
    if (!w) throw new UserError(`no maintenance #${id}`);
    return w;
  }

  /** `#12 kernel update 02:00–04:00 JST on web01…web04 (owner alice)` */
  describe(w: MaintenanceWindow): Inline[] {
    return join([bold(`#${w.id}`), bold(w.title), `${this.time(w.starts_at)}–${this.time(w.ends_at)}`, `on ${w.targets}`, tone('muted', `(owner ${w.owner})`)]);
  }

  time(t: string | Date): string {
    return formatTime(t, this.d.timezone);
  }

  /** Queues the message for each of the window's channels: in the caller's transaction, when there is one. */
  private async announce(w: MaintenanceWindow, body: ReturnType<typeof line>): Promise<void> {
    const rt: RichText = richText(body);
    for (const channel of w.channels) await this.d.outbox.enqueue({ channel, body: rt });
  }
}

/** What finishing a window reports. */
export interface FinishResult {
  window: MaintenanceWindow;
  restored: string[];
  leftAlone: string[];
  suppressed: number;
}

/** A finished window, with what the end listeners are told after the commit. */
interface Ended {
  result: FinishResult;
  uncovered: number[];
  startedAt: string | null;
}

function checkTitle(t: string): string {
  const title = t.trim();
  if (!title) throw new UserError('a maintenance needs a title, e.g. !maint start kernel update hosts=web01 for=1h');
  if (title.length > 200) throw new UserError('the title is longer than 200 characters');
  return title;
}

/** Each target on its own: names no longer in the inventory are skipped, not fatal. */
async function resolveEach(inventory: Inventory, targets: string): Promise<{ servers: Server[]; skipped: string[] }> {
  const byId = new Map<number, Server>();
  const skipped: string[] = [];
  for (const t of targets.split(',').map((x) => x.trim()).filter(Boolean)) {
    try {
      for (const s of (await resolveTargets(inventory, t)).servers) byId.set(s.id, s);
    } catch {
      skipped.push(t);
    }
  }
  return { servers: [...byId.values()], skipped };
}
