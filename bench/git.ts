import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ZERO_SHA } from '../src/domain/git/push.js';
import { collectPushes } from '../src/ingest/git-hook/collect.js';
import { CLI } from '../test/helpers/cli.js';
import { GIT_AUTHOR } from '../test/helpers/git.js';
import { freePort } from '../test/helpers/ports.js';
import { botProcess } from './bot.js';
import { fmtMs, summarize, timeMsAsync } from './stats.js';

/**
 * Issue 7's figures: the time to process a push of 1,000 commits (every
 * 10th references a ticket, every 50th closes one)
 * - through the post-receive hook: `git push` to a bare repository whose
 *   hook runs `opsbridge git-hook`, which asks git for the commits and posts
 *   them to the running bot; beside the same push with no hook;
 * - through the webhook: a signed GitHub push payload of 1,000 commits
 *   POSTed to the bot, until its 200; beside a bare node:http server that
 *   reads the body, checks the signature and parses it.
 * The bot runs in its own process, its store in WAL mode.
 */
const SECRET = 'bench-webhook-secret';
const COMMITS = 1_000;
const TICKETS = 200;
const RUNS = 5;

const BARE_SERVER = `
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const want = Buffer.from('sha256=' + createHmac('sha256', process.argv[2]).update(body).digest('hex'));
    const got = Buffer.from(String(req.headers['x-hub-signature-256']));
    const ok = got.length === want.length && timingSafeEqual(got, want);
    const push = JSON.parse(body.toString());
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ commits: push.commits.length }));
  });
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

function message(run: number, i: number): string {
  const ticket = 1 + ((run * COMMITS + i) % TICKETS);
  const ref = i % 50 === 0 ? ` (fixes #${ticket})` : i % 10 === 0 ? ` (refs #${ticket})` : '';
  return `change ${run}.${i}: tune the disk check${ref}\n\nLonger explanation of change ${i}.`;
}

/** A stream for `git fast-import`: COMMITS commits on `branch`, each touching one file. */
function fastImport(run: number, branch: string): string {
  let s = '';
  for (let i = 0; i < COMMITS; i++) {
    const msg = message(run, i);
    const data = `line ${i}\n`;
    s += `commit refs/heads/${branch}\nmark :${i + 1}\nauthor Bench <bench@example.com> ${1_700_000_000 + i} +0000\ncommitter Bench <bench@example.com> ${1_700_000_000 + i} +0000\n`;
    s += `data ${Buffer.byteLength(msg)}\n${msg}\n${i > 0 ? `from :${i}\n` : ''}M 644 inline file.txt\ndata ${data.length}\n${data}\n`;
  }
  return s;
}

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchGit(): Promise<void> {
  const b = await botProcess('git', { git: { repos: [{ name: 'app', default_branch: 'main', channel: 'irc:#dev', secret: SECRET }] } }, { unreachableIrc: true });
  const { dir, config } = b;
  const env = { ...process.env, ...GIT_AUTHOR, HOME: dir };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();
  try {
    // The tickets the commits reference, written before the bot starts.
    const core = await b.core();
    for (let i = 0; i < TICKETS; i++) await core.services.tickets.create({ title: `ticket ${i + 1}`, reporter: { name: 'bench' } });
    await core.close();
    await b.start();

    // Each run pushes fresh commits into fresh bare repositories, one with the hook and one without.
    const hookTimes: number[] = [];
    const plainTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const work = join(dir, `work${run}`);
      mkdirSync(work);
      git(work, 'init', '-q', '-b', 'main');
      execFileSync('git', ['fast-import', '--quiet'], { cwd: work, env, input: fastImport(run, 'main') });
      for (const [name, withHook] of [[`plain${run}.git`, false], [`hooked${run}.git`, true]] as const) {
        const bare = join(dir, name);
        git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
        if (withHook) {
          const hook = join(bare, 'hooks', 'post-receive');
          writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" -c "${config}" git-hook --repo app --pusher bench\n`);
          chmodSync(hook, 0o755);
        }
        const ms = await timeMsAsync(
          () => new Promise<void>((resolve, reject) => {
            const p = spawn('git', ['push', '-q', bare, 'main'], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            p.stderr.on('data', (d: Buffer) => (err += d.toString()));
            p.on('close', (code) => (code === 0 && !/refused|error/i.test(err) ? resolve() : reject(new Error(`git push: ${code} ${err}`))));
          }),
        );
        (withHook ? hookTimes : plainTimes).push(ms);
      }
    }
    // The part of the hook that asks git, in-process, on the last repository pushed to.
    const head = git(join(dir, `work${RUNS - 1}`), 'rev-parse', 'HEAD').trim();
    const collectTimes: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      collectTimes.push(await timeMsAsync(() => collectPushes({ gitDir: join(dir, `hooked${RUNS - 1}.git`), input: `${ZERO_SHA} ${head} refs/heads/main\n`, repo: 'app', defaultBranch: 'main', pusher: 'bench' })));
    }
    const hook = summarize(hookTimes).median;
    const plain = summarize(plainTimes).median;
    console.log(`Push of ${COMMITS} commits (every 10th references a ticket, every 50th closes one), median of ${RUNS} runs:`);
    console.log(`  git push to a bare repository, no hook:              ${fmtMs(plain)}`);
    console.log(`  git push with the opsbridge post-receive hook:       ${fmtMs(hook)}  (the hook: ${fmtMs(hook - plain)})`);
    console.log(`  of which listing the commits with git (in-process):  ${fmtMs(summarize(collectTimes).median)}; the rest is starting node and the bot's work`);

    // The webhook: what GitHub would send for the same kind of push.
    const barePort = await freePort();
    const bare = spawn(process.execPath, ['-e', BARE_SERVER, String(barePort), SECRET]);
    await new Promise<void>((resolve) => bare.stdout.once('data', () => resolve()));
    const payload = (run: number) => {
      const commits = Array.from({ length: COMMITS }, (_, i) => {
        const id = createHmac('sha1', 'x').update(`${run}.${i}`).digest('hex');
        return { id, tree_id: id, distinct: true, message: message(run + RUNS, i), timestamp: '2026-11-25T12:00:00+09:00', url: `https://github.com/acme/app/commit/${id}`,
          author: { name: 'Bench', email: 'bench@example.com', username: 'bench' }, committer: { name: 'Bench', email: 'bench@example.com', username: 'bench' }, added: [], removed: [], modified: ['file.txt'] };
      });
      return JSON.stringify({
        ref: 'refs/heads/main', before: createHmac('sha1', 'b').update(String(run)).digest('hex'), after: commits.at(-1)!.id, created: false, deleted: false, forced: false,
        base_ref: null, compare: 'https://github.com/acme/app/compare/a...b', commits, head_commit: commits.at(-1),
        repository: { id: 1, name: 'app', full_name: 'acme/app', private: false, html_url: 'https://github.com/acme/app', default_branch: 'main' },
        pusher: { name: 'bench', email: 'bench@example.com' }, sender: { login: 'bench', id: 1 },
      });
    };
    const headers = (body: string) => ({ 'x-github-event': 'push', 'x-github-delivery': String(Math.random()), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` });
    const botWebhook: number[] = [];
    const bareWebhook: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const body = payload(run);
      bareWebhook.push(await timeMsAsync(async () => { if ((await post(barePort, '/', body, headers(body))) !== 200) throw new Error('bare server refused'); }));
      botWebhook.push(await timeMsAsync(async () => {
        const status = await post(b.port, '/api/v1/git/push', body, headers(body));
        if (status !== 200) throw new Error(`bot answered ${status}`);
      }));
    }
    console.log(`GitHub push webhook with ${COMMITS} commits (${(payload(0).length / 1024).toFixed(0)} KiB, signed), request to answer, median of ${RUNS} runs:`);
    console.log(`  bare node:http server (read, check signature, parse): ${fmtMs(summarize(bareWebhook).median)}`);
    console.log(`  opsbridge (verify, link, close, push line, commit):   ${fmtMs(summarize(botWebhook).median)}`);
    bare.kill();
  } finally {
    await b.cleanup();
  }
}
