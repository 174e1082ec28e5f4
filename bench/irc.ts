import { importServers } from '../src/domain/servers/import.js';
import { connectRawClient, parseIrcLine, type RawIrcClient } from '../test/helpers/irc-network.js';
import { startNgircd } from '../test/helpers/ngircd.js';
import { startBenchBot } from './bot.js';
import { fmtMs, summarize } from './stats.js';

/**
 * Issue 3's figures, against a real ngircd on loopback:
 * - round-trip latency of `!server NAME` typed by a client (1,000 commands),
 *   next to a bare responder (a raw socket client that answers every line)
 *   through the same server as the baseline;
 * - the sustained rate the send queue achieves under ngircd's flood
 *   penalty, next to the rate ngircd allows a raw client that floods it.
 */
const COMMANDS = 1_000;

async function roundTrips(asker: RawIrcClient, target: string, line: string, reply: RegExp, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const since = asker.lines.length;
    const t = process.hrtime.bigint();
    asker.send(`PRIVMSG ${target} :${line}`);
    await asker.waitFor(reply, 10_000, since);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return samples;
}

const bot = (port: number, flood: { burst: number; rate: number }, channels: string[]) => startBenchBot({ irc: { host: '127.0.0.1', port, tls: false, channels, flood } });

/** Lines per second at which `receiver` sees `count` PRIVMSGs from `nick`, after the first `skip` (the burst). */
async function receiveRate(receiver: RawIrcClient, nick: string, count: number, skip: number): Promise<number> {
  const seen: number[] = [];
  const start = receiver.lines.length;
  while (seen.length < count) {
    await new Promise((r) => setTimeout(r, 5));
    const got = receiver.lines.slice(start).map(parseIrcLine).filter((l) => l.command === 'PRIVMSG' && l.nick === nick).length;
    while (seen.length < got) seen.push(performance.now());
  }
  return (count - skip - 1) / ((seen[count - 1]! - seen[skip]!) / 1000);
}

export async function benchIrc(): Promise<void> {
  console.log('\n## IRC, through a real ngircd on 127.0.0.1');

  // Latency: penalty off and the bot's bucket wide open, so neither flood
  // control hides the bot's own time.
  const fast = await startNgircd();
  const engineer = await connectRawClient(fast.port, 'engineer');
  const echo = await connectRawClient(fast.port, 'echo');
  echo.send('JOIN #bench');
  engineer.send('JOIN #bench');
  await engineer.waitFor(/JOIN :?#bench/);
  // The bare responder: answers each line as soon as it reads it.
  let responding = true;
  const responder = (async () => {
    let since = echo.lines.length;
    while (responding) {
      const m = await echo.waitFor(/ PRIVMSG echo :(.*)$/, 60_000, since).catch(() => null);
      if (!m) break;
      since = echo.lines.indexOf(m.input, since) + 1;
      echo.send(`PRIVMSG ${parseIrcLine(m.input).nick} :pong ${m[1]}`);
    }
  })();
  await roundTrips(engineer, 'echo', 'warm', /PRIVMSG engineer :pong warm/, 50);
  const baseline = await roundTrips(engineer, 'echo', 'ping', /PRIVMSG engineer :pong ping/, COMMANDS);
  responding = false;
  engineer.send('PRIVMSG echo :stop');
  await responder;

  const t = await bot(fast.port, { burst: 2_000, rate: 2_000 }, ['#bench']);
  importServers(t.bot.core.services.inventory, 'name,ips,roles,dc,rack,status\nweb01,10.0.0.1,blog:app,tokyo1,r12,working\n', 'csv', { actor: 'bench', source: 'bench' });
  await roundTrips(engineer, 'opsbridge', 'server web01', /PRIVMSG engineer :.*web01/, 50);
  const viaBot = await roundTrips(engineer, 'opsbridge', 'server web01', /PRIVMSG engineer :.*web01/, COMMANDS);
  await t.stop();
  await engineer.close();
  await echo.close();
  await fast.stop();
  console.log(`round trip, client → ngircd → responder → ngircd → client (${COMMANDS} each):`);
  for (const [label, s] of [['baseline: raw-socket responder', baseline], ['!server web01 answered by opsbridge', viaBot]] as const) {
    const { median, p99 } = summarize(s);
    console.log(`  ${label.padEnd(40)} median ${fmtMs(median).padStart(9)}   p99 ${fmtMs(p99).padStart(9)}`);
  }

  // Sustained rate: ngircd's flood penalty on, as a real network would have it.
  const strict = await startNgircd({ penalty: true });
  const watcher = await connectRawClient(strict.port, 'watcher');
  watcher.send('JOIN #flood');
  await watcher.waitFor(/JOIN :?#flood/);
  const flooder = await connectRawClient(strict.port, 'flooder');
  flooder.send('JOIN #flood');
  await watcher.waitFor(/flooder!\S+ JOIN/);
  await new Promise((r) => setTimeout(r, 3_000)); // let the joins' penalty expire
  const rawLines = 45;
  for (let i = 0; i < rawLines; i++) flooder.send(`PRIVMSG #flood :raw ${i}`);
  const allowed = await receiveRate(watcher, 'flooder', rawLines, 10);
  await flooder.close();
  console.log(`sustained send rate under ngircd's flood penalty:`);
  console.log(`  baseline: raw client writing ${rawLines} lines at once   ${allowed.toFixed(2)} lines/s (what ngircd allows)`);
  for (const flood of [{ burst: 5, rate: 1 }, { burst: 5, rate: 3 }]) {
    const b = await bot(strict.port, flood, ['#flood']);
    await new Promise((r) => setTimeout(r, 3_000));
    const n = flood.rate === 1 ? 25 : 45;
    for (let i = 0; i < n; i++) b.post('irc:#flood', `queued ${i}`);
    const rate = await receiveRate(watcher, 'opsbridge', n, flood.burst);
    const label = `opsbridge, flood burst=${flood.burst} rate=${flood.rate}${flood.rate === 1 ? ' (default)' : ''}`;
    console.log(`  ${label.padEnd(52)} ${rate.toFixed(2)} lines/s = ${((rate / allowed) * 100).toFixed(0)}% of allowed`);
    await b.stop();
  }
  await watcher.close();
  await strict.stop();
}
