import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { freePort } from '../test/helpers/ports.js';
import { TOKEN } from './bot.js';

/**
 * HTTP load for the ingest figures (bench/alerts.ts, bench/ha.ts): keep-alive
 * POSTs with the bench token, and the baseline they are compared with, a
 * bare node:http server in its own process that reads and parses the same
 * requests and answers 202.
 */
const BARE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    res.writeHead(202, { 'content-type': 'application/json' });
    const alerts = body.alerts ?? [body];
    res.end(JSON.stringify({ accepted: alerts.length, alerts: alerts.map((a, i) => ({ id: i + 1, status: a.status ?? 'firing' })) }));
  });
});
s.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

export interface BareServer {
  port: number;
  stop(): Promise<void>;
}

/** The bare node:http server, in its own process, on a free port of 127.0.0.1. */
export async function startBareServer(): Promise<BareServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', BARE_SERVER, String(port)]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the bare HTTP server exited (${code})`)));
  });
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

/**
 * Requests per second from `clients` keep-alive connections, each POSTing
 * one request after the other: `n` requests in all, or as many as fit in
 * `{ ms }`. With several ports the clients are dealt round-robin across
 * them (client i to ports[i % ports.length]). Anything but a 202 fails.
 */
export async function postRate(
  to: number | number[],
  path: string,
  load: number | { ms: number },
  clients: number,
  body: (i: number) => string,
): Promise<number> {
  const ports = typeof to === 'number' ? [to] : to;
  const n = typeof load === 'number' ? load : Infinity;
  const t = performance.now();
  const until = typeof load === 'number' ? Infinity : t + load.ms;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const port = ports[c % ports.length]!;
        while (next < n && performance.now() < until) {
          const data = body(next++);
          await new Promise<void>((resolve, reject) => {
            const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
              res.resume();
              res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`status ${res.statusCode} from 127.0.0.1:${port}`))));
            });
            req.on('error', reject);
            req.end(data);
          });
          done++;
        }
      }),
    );
    return done / ((performance.now() - t) / 1000);
  } finally {
    agent.destroy();
  }
}
