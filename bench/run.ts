import { benchAlerts } from './alerts.js';
import { benchBoard } from './board.js';
import { benchBridge } from './bridge.js';
import { benchGit } from './git.js';
import { benchIrc } from './irc.js';
import { benchServers } from './servers.js';

/** `npm run bench [-- NAME…]`: every benchmark (or the named ones), figures on stdout. */
const benches: Record<string, () => Promise<void>> = { servers: benchServers, irc: benchIrc, bridge: benchBridge, alerts: benchAlerts, git: benchGit, board: benchBoard };
const wanted = process.argv.slice(2);
console.log(`opsbridge benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
