#!/usr/bin/env node
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { renderAnsi } from './chat/render/ansi.js';
import { renderPlain } from './chat/render/plain.js';
import { postToBot } from './cli/api-client.js';
import { runGitHook } from './cli/git-hook.js';
import { progressBar } from './cli/progress.js';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { ExportFormat } from './domain/servers/export.js';
import type { ImportFormat } from './domain/servers/import-file.js';
import { FatalError, UserError } from './errors.js';

const program = new Command('opsbridge')
  .description('Ops team chat bot: IRC/Slack bridge, alerts and logs, server and maintenance lookups, tickets.')
  .option('-c, --config <path>', 'config file (default: ./opsbridge.yaml, else embedded defaults)')
  .showHelpAfterError();

function config(): Config {
  return loadConfig(program.opts<{ config?: string }>().config).config;
}

program
  .command('start')
  .description('start the bot (with no config file: SQLite in ./data, console chat, HTTP API on 127.0.0.1:8080)')
  .option('--console', 'run the console chat even when a chat platform is configured')
  .action(async (opts: { console?: boolean }) => {
    const loaded = loadConfig(program.opts<{ config?: string }>().config);
    const cfg = loaded.config;
    const { createLogger } = await import('./log.js');
    const log = createLogger(cfg.log.level);
    let stopping = false;
    const { startBot } = await import('./app.js');
    const bot = await startBot(cfg, {
      log,
      forceConsole: opts.console ?? false,
      stdin: process.stdin,
      stdout: process.stdout,
      onConsoleExit: () => void shutdown('console closed'),
    });
    async function shutdown(why: string) {
      if (stopping) return;
      stopping = true;
      log.info({ why }, 'stopping');
      await bot.stop();
      process.exit(0);
    }
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    const where = loaded.file ?? 'embedded defaults (no opsbridge.yaml)';
    const chats = Object.keys(bot.chatStatus());
    process.stdout.write(
      `opsbridge is running on ${where}: database ${bot.core.db.name}, HTTP API http://${bot.http.host}:${bot.http.port}, chat: ${chats.join(', ')}\n` +
        (chats.includes('console') ? `Type ${cfg.commands.prefix}help for commands, Ctrl-D to quit.\n` : ''),
    );
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const cfg = config();
    const { openMigratedStore } = await import('./store/open.js');
    const { db, migrations: r } = await openMigratedStore(cfg.database);
    try {
      process.stdout.write(r.applied.length ? `applied ${r.applied.join(', ')}\n` : `up to date (${r.alreadyApplied} migrations applied)\n`);
    } finally {
      await db.close();
    }
  });

const db = program.command('db').description('the store: statistics, backups, copying an SQLite install into PostgreSQL');

db.command('stats')
  .description('rows, oldest row and disk space per kind of data (log_lines, alerts, outbox, …)')
  .option('--json', 'print the figures as JSON (times in ISO 8601, sizes in bytes)')
  .option('--estimate', 'estimate tables above 100,000 rows from their id range, as /metrics does: instant at any size (default: count every row)')
  .action(async (opts: { json?: boolean; estimate?: boolean }) => {
    const cfg = config();
    const { existsSync } = await import('node:fs');
    const { openStore, isPostgresUrl } = await import('./store/open.js');
    const { storeStats, formatStoreStats } = await import('./store/stats.js');
    // Read only, like `status`: no migration and no new file.
    if (!isPostgresUrl(cfg.database) && !existsSync(cfg.database)) throw new UserError(`no database at ${cfg.database}: start the bot or run opsbridge migrate first`);
    const store = await openStore(cfg.database);
    try {
      // Counting reads whole tables; on SQLite this is a connection of its own, so the running bot does not wait for it.
      const stats = await storeStats(store, { exact: !opts.estimate }).catch((err: Error) => {
        const why = err.message.split('\n')[0];
        throw new UserError(`cannot read ${store.name}: ${why}${/no such table|does not exist/.test(why ?? '') ? ' (run opsbridge migrate)' : ''}`);
      });
      process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + '\n' : formatStoreStats(stats, cfg.timezone).join('\n') + '\n');
    } finally {
      await store.close();
    }
  });

db.command('backup')
  .description('write a consistent copy of the SQLite database, safe while the bot runs (PostgreSQL: use pg_dump)')
  .argument('<file>', 'the copy to write; the bot can start on it as it is')
  .option('--force', 'replace FILE if it exists')
  .action(async (file: string, opts: { force?: boolean }) => {
    const cfg = config();
    const { existsSync } = await import('node:fs');
    const { isPostgresUrl } = await import('./store/open.js');
    const { backupSqlite, pgDumpHint, BackupInterrupted } = await import('./store/backup.js');
    const { formatBytes } = await import('./store/stats.js');
    if (isPostgresUrl(cfg.database)) throw new FatalError(`opsbridge: ${pgDumpHint(cfg.database)}`, 2);
    if (!existsSync(cfg.database)) throw new UserError(`no database at ${cfg.database}: nothing to back up`);
    const { openDatabase } = await import('./store/database.js');
    const source = openDatabase(cfg.database);
    // Ctrl-C stops between two steps, and the partial copy is removed.
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const bar = progressBar(process.stderr, 'backing up');
    try {
      const r = await backupSqlite(source, cfg.database, file, { force: opts.force ?? false, signal: abort.signal, onProgress: (done, total) => bar.update(done, total) });
      bar.end();
      process.stdout.write(`backed up ${cfg.database} to ${file}: ${formatBytes(r.bytes)}, ${r.pages} pages, in ${(r.ms / 1000).toFixed(1)} s\n`);
    } catch (err) {
      bar.end();
      if (err instanceof BackupInterrupted) throw new FatalError(`opsbridge: backup interrupted: ${file} was not written`, 130);
      throw err;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      source.close();
    }
  });

db.command('copy')
  .description('copy every row of an SQLite store into another store (PostgreSQL for a redundant pair); running it again changes nothing')
  .requiredOption('--from <path>', 'the SQLite file, e.g. ./data/opsbridge.db')
  .requiredOption('--to <database>', 'the target: postgres://user@host/database (password from the URL or $PGPASSWORD)')
  .action(async (opts: { from: string; to: string }) => {
    const { existsSync } = await import('node:fs');
    const { openMigratedStore } = await import('./store/open.js');
    const { openSqlite } = await import('./store/sqlite.js');
    const { migrate, readMigrations } = await import('./store/migrate.js');
    const { migrationsDir } = await import('./paths.js');
    const { copyStore } = await import('./store/copy.js');
    // The target is checked as `database:` in the config is: `mysql://db1/ops`
    // must be refused (exit 2), not taken as a path to a new SQLite file.
    const { parseConfig } = await import('./config/load.js');
    try {
      parseConfig({ database: opts.to }, {});
    } catch (err) {
      if (err instanceof FatalError) throw new FatalError(err.message.replace(/^database: /gm, '--to: '), err.exitCode);
      throw err;
    }
    if (!existsSync(opts.from)) throw new UserError(`--from: no such file: ${opts.from}`);
    const from = openSqlite(opts.from);
    try {
      // The source is brought to this version's schema first, as `start` would.
      await migrate(from, readMigrations(migrationsDir('sqlite')));
      const { db: to } = await openMigratedStore(opts.to);
      try {
        // One bar per table, on a terminal only.
        let bar: ReturnType<typeof progressBar> | null = null;
        let table = '';
        const report = await copyStore(from, to, (p) => {
          if (p.table !== table) {
            bar?.end();
            bar = progressBar(process.stderr, `copying ${p.table.padEnd(22)}`);
            table = p.table;
          }
          bar!.update(p.done, p.total);
        });
        (bar as ReturnType<typeof progressBar> | null)?.end();
        for (const t of report.tables) process.stdout.write(`${t.table.padEnd(24)} ${String(t.rows).padStart(9)} rows, ${String(t.copied).padStart(9)} new\n`);
        const copied = report.tables.reduce((n, t) => n + t.copied, 0);
        process.stdout.write(copied === 0 ? `nothing to copy: ${to.name} already has every row\n` : `copied ${copied} rows into ${to.name}\n`);
      } finally {
        await to.close();
      }
    } finally {
      await from.close();
    }
  });

program
  .command('status')
  .description('say which node of a redundant pair leads, since when, and its lease epoch (reads the store)')
  .action(async () => {
    const cfg = config();
    const { existsSync } = await import('node:fs');
    const { openStore, isPostgresUrl } = await import('./store/open.js');
    const { Cluster } = await import('./leadership/cluster.js');
    const { describeCluster } = await import('./leadership/describe.js');
    // Read only: no migration, no new file; a status check must not change the store a pair runs on.
    if (!isPostgresUrl(cfg.database) && !existsSync(cfg.database)) throw new UserError(`no database at ${cfg.database}: no node has run here`);
    const db = await openStore(cfg.database);
    try {
      const s = await new Cluster(db, cfg.node).status().catch((err: Error) => {
        throw new UserError(`cannot read the leader lease from ${db.name}: ${err.message.split('\n')[0]} (a bot of this version has not run on it yet?)`);
      });
      process.stdout.write(describeCluster(s, db.engine, cfg.timezone) + '\n');
      if (s.leader) process.stdout.write(`lease: ${s.leader.live ? `renewed, ends in ${(s.leader.expiresInMs / 1000).toFixed(1)} s` : 'expired'}; previous leader: ${s.leader.previous || 'none'}\n`);
      process.exitCode = s.leader?.live ? 0 : 1;
    } finally {
      await db.close();
    }
  });

program
  .command('run')
  .description("run one chat command as the local console user and print the reply (exit 1 on a command error)")
  .argument('<command...>', "the command line, e.g. 'server web01'")
  .action(async (words: string[]) => {
    const cfg = config();
    const core = await openCore(cfg, cfg.log.level === 'info' ? 'warn' : cfg.log.level);
    try {
      const line = words.join(' ');
      const text = line.startsWith(cfg.commands.prefix) ? line : cfg.commands.prefix + line;
      const reply = await core.dispatcher.handle({
        platform: 'console',
        channel: 'console',
        user: { id: 'console', name: 'console', identity: 'console' },
        text,
        direct: true,
        receivedAt: core.clock.now(),
      });
      if (!reply) throw new UserError(`not a command: ${line}`);
      process.stdout.write((process.stdout.isTTY ? renderAnsi(reply.body) : renderPlain(reply.body)) + '\n');
      process.exitCode = reply.ok ? 0 : 1;
    } finally {
      await core.close();
    }
  });

const apiOptions = (c: Command) =>
  c
    .option('--url <url>', "the bot's HTTP API (default: from http.listen)")
    .option('--token <token>', 'API token (default: http.token, $OPSBRIDGE_TOKEN, or the token file next to the database)');

apiOptions(
  program
    .command('send')
    .description('post a message to a channel through the running bot')
    .requiredOption('--channel <address>', 'irc:#name, slack:#name or console')
    .argument('<text...>', 'the message'),
).action(async (words: string[], opts: { channel: string; url?: string; token?: string }) => {
  const r = (await postToBot(config(), '/api/v1/messages', { channel: opts.channel, text: words.join(' ') }, opts)) as { id: number };
  process.stdout.write(`queued for ${opts.channel} (#${r.id})\n`);
});

apiOptions(
  program
    .command('alert')
    .description('raise (or resolve) an alert through the running bot, as any monitoring script would')
    .requiredOption('--severity <severity>', 'critical, error, warning or info')
    .option('--host <host>', 'the host it is about')
    .option('--text <text>', 'details')
    .option('--resolved', 'the alert is over')
    .option('--label <key=value...>', 'extra labels (routing and silences match them)')
    .argument('<title...>', 'a short title, e.g. "Disk full"'),
).action(async (words: string[], opts: { severity: string; host?: string; text?: string; resolved?: boolean; label?: string[]; url?: string; token?: string }) => {
  const labels: Record<string, string> = {};
  for (const l of opts.label ?? []) {
    const eq = l.indexOf('=');
    if (eq < 1) throw new UserError(`--label ${l}: expected key=value`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  const body = {
    title: words.join(' '),
    severity: opts.severity,
    status: opts.resolved ? 'resolved' : 'firing',
    ...(opts.host && { host: opts.host }),
    ...(opts.text && { text: opts.text }),
    ...(Object.keys(labels).length > 0 && { labels }),
    source: 'cli',
  };
  const r = (await postToBot(config(), '/api/v1/alerts', body, opts)) as { alerts: Array<{ id: number; outcome: string }> };
  const a = r.alerts[0]!;
  process.stdout.write(`alert #${a.id}: ${a.outcome}\n`);
});

program
  .command('routes')
  .description('check alert and log routing')
  .command('test')
  .description('show where each alert or log line of a sample payload (Alertmanager, Grafana, generic alert, log lines) would go')
  .argument('<file>', 'a JSON file')
  .action(async (file: string) => {
    const cfg = config();
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`cannot read ${file} as JSON: ${(err as Error).message}`);
    }
    const { explainRoutes } = await import('./cli/routes-test.js');
    for (const l of explainRoutes(cfg, body)) process.stdout.write(l + '\n');
  });

apiOptions(
  program
    .command('git-hook')
    .description('post-receive hook: link and close tickets from the pushed commits (reads "<old> <new> <ref>" lines on stdin)')
    .requiredOption('--repo <name>', 'the repository, as named in git.repos')
    .option('--git-dir <dir>', 'the repository (default: $GIT_DIR, else the current directory)')
    .option('--db <path>', 'when the bot cannot be reached, write to this database directly')
    .option('--pusher <name>', 'who pushed (default: $GL_USERNAME, $GITEA_PUSHER_NAME, $REMOTE_USER or $USER)')
    .option('--default-branch <branch>', "closing keywords close on this branch (default: the repository's default_branch in git.repos)"),
).action(async (opts: { repo: string; gitDir?: string; db?: string; pusher?: string; defaultBranch?: string; url?: string; token?: string }) => {
  const input = await text(process.stdin);
  const lines = await runGitHook(config(), { ...opts, gitDir: opts.gitDir ?? process.env.GIT_DIR ?? '.' }, input);
  for (const l of lines) process.stderr.write(l + '\n');
});

const servers = program.command('servers').description('manage the server inventory');

servers
  .command('import')
  .description('upsert hosts by name from CSV (header row), JSON (array) or NDJSON')
  .argument('<file>', 'the file; the format comes from its extension (.csv, .json, .ndjson/.jsonl) or its content')
  .option('--dry-run', 'check and count, change nothing')
  .addOption(new Option('--format <format>', 'override format detection').choices(['csv', 'json', 'ndjson']))
  .action(async (file: string, opts: { dryRun?: boolean; format?: ImportFormat }) => {
    const cfg = config();
    let textIn: string;
    try {
      textIn = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const core = await openCore(cfg, 'warn');
    try {
      const bar = progressBar(process.stderr, 'importing');
      const { importServers } = await import('./domain/servers/import.js');
      const { detectFormat } = await import('./domain/servers/import-file.js');
      const report = await importServers(core.services.inventory, textIn, opts.format ?? detectFormat(file, textIn), {
        actor: 'console',
        source: file,
        dryRun: opts.dryRun ?? false,
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.end();
      for (const r of report.rejected) process.stderr.write(`${file}:${r.line}: rejected: ${r.reason}\n`);
      process.stdout.write(
        `${opts.dryRun ? 'dry run: would have ' : ''}created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected.length}\n`,
      );
      process.exitCode = report.rejected.length > 0 ? 1 : 0;
    } finally {
      await core.close();
    }
  });

servers
  .command('export')
  .description('write the inventory in the import format (export then import changes nothing)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'ndjson']).default('csv'))
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(async (opts: { format: ExportFormat; output?: string }) => {
    const cfg = config();
    const core = await openCore(cfg, 'warn');
    try {
      const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output) : process.stdout;
      const { exportServers } = await import('./domain/servers/export.js');
      for await (const chunk of exportServers(core.services.inventory.all(), opts.format)) {
        if (!out.write(chunk)) await once(out, 'drain');
      }
      if (opts.output) {
        out.end();
        await once(out, 'finish');
      }
    } finally {
      await core.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof FatalError) {
    process.stderr.write(err.message + '\n');
    process.exit(err.exitCode);
  }
  if (err instanceof UserError) {
    process.stderr.write(`opsbridge: ${err.message}\n`);
    process.exit(1);
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
    process.stderr.write(`opsbridge: cannot listen for HTTP: ${e.message} (set http.listen in opsbridge.yaml)\n`);
    process.exit(1);
  }
  throw err;
}

/**
 * The store and domain services for a one-shot command. Loaded on demand,
 * like every module only some commands need: the whole bot (Slack and IRC
 * clients included) takes most of a second to load, which `git-hook` and
 * `send` should not pay on every push.
 */
async function openCore(cfg: Config, level: Config['log']['level']) {
  const { buildCore } = await import('./app.js');
  const { createLogger } = await import('./log.js');
  return buildCore(cfg, { log: createLogger(level) });
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}
