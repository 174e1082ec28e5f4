import { benchAlerts } from './alerts.js';
import { benchBoard } from './board.js';
import { benchBridge } from './bridge.js';
import { benchGit } from './git.js';
import { benchHa } from './ha.js';
import { benchIrc } from './irc.js';
import { benchRetention } from './retention.js';
import { benchServers } from './servers.js';
import { setBenchEngine, stopBenchStores } from './store.js';

/** `npm run bench [-- NAME…]`: every benchmark (or the named ones), figures on stdout. */
const benches: Record<string, () => Promise<void>> = { servers: benchServers, irc: benchIrc, bridge: benchBridge, alerts: benchAlerts, git: benchGit, board: benchBoard, ha: benchHa, retention: benchRetention };
// `--db postgres`: the benches that take it run on a real PostgreSQL (test/helpers/postgres.ts).
const args = process.argv.slice(2);
const dbAt = args.indexOf('--db');
if (dbAt >= 0) {
  setBenchEngine(args[dbAt + 1] === 'postgres' ? 'postgres' : 'sqlite');
  args.splice(dbAt, 2);
}
const wanted = args;
console.log(`opsbridge benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
await stopBenchStores();
