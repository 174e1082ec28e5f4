import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/**
 * The bot's timed work, driven by node-cron. Each job reads what is due
 * from the store and records what it did there, so jobs survive restarts and
 * a missed tick is caught up by the next; tests call the jobs directly
 * with an injected clock instead of waiting for cron.
 */
export interface Job {
  name: string;
  /** A cron expression with seconds: `*\/15 * * * * *`. */
  every: string;
  run(): Promise<void>;
  /** Asks a long run to end early (pruning a year's backlog), so stop() need not wait for it. */
  cancel?(): void;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  /** Runs not finished yet: a job never overlaps itself, and stop() waits for them. */
  private readonly inFlight = new Map<Job, Promise<void>>();

  constructor(private readonly jobs: Job[], private readonly log: Logger) {}

  /** Runs every job once now (catching up on what fell due while the bot was down), then on its schedule. */
  start(): void {
    for (const job of this.jobs) {
      void this.runJob(job); // never rejects
      const task = cron.schedule(job.every, () => this.runJob(job), { name: job.name, noOverlap: true });
      task.unref();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks.length = 0;
    for (const job of this.inFlight.keys()) job.cancel?.();
    await Promise.all(this.inFlight.values());
  }

  /** Never rejects. A tick that comes while the job still runs (a slow store) shares that run. */
  private runJob(job: Job): Promise<void> {
    const running = this.inFlight.get(job);
    if (running) return running;
    const run = (async () => {
      try {
        await job.run();
      } catch (err) {
        // A locked, failing or unreachable store: the next tick tries again.
        this.log.error({ err, job: job.name }, 'scheduled job failed');
      }
    })();
    this.inFlight.set(job, run);
    void run.finally(() => this.inFlight.delete(job)); // never rejects
    return run;
  }
}
