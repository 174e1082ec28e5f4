import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

/**
 * The bot's timed work, driven by node-cron. Each job reads what is due
 * from SQLite and records what it did there, so jobs survive restarts and
 * a missed tick is caught up by the next; tests call the jobs directly
 * with an injected clock instead of waiting for cron.
 */
export interface Job {
  name: string;
  /** A cron expression with seconds: `*\/15 * * * * *`. */
  every: string;
  run(): void;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly jobs: Job[], private readonly log: Logger) {}

  /** Runs every job once now (catching up on what fell due while the bot was down), then on its schedule. */
  start(): void {
    for (const job of this.jobs) {
      this.runJob(job);
      const task = cron.schedule(job.every, () => this.runJob(job), { name: job.name, noOverlap: true });
      task.unref();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks.length = 0;
  }

  private runJob(job: Job): void {
    try {
      job.run();
    } catch (err) {
      // A locked or failing store: the next tick tries again.
      this.log.error({ err, job: job.name }, 'scheduled job failed');
    }
  }
}
