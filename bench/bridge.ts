import { connectRawClient, parseIrcLine } from '../test/helpers/irc-network.js';
import { startNgircd } from '../test/helpers/ngircd.js';
import { startSlackStandin } from '../test/helpers/slack-standin.js';
import { startBenchBot } from './bot.js';
import { fmtMs, summarize } from './stats.js';

/**
 * Issue 4's figures: the bot's added relay latency in each direction (a
 * message typed on one side until it is read on the other), next to the
 * same trip between two raw IRC clients as the baseline, and the relay
 * throughput with every rate limit opened up.
 */
const N = 200;
const BURST = 500;

export async function benchBridge(): Promise<void> {
  console.log('\n## bridge: real ngircd ↔ opsbridge ↔ Slack stand-in, all on 127.0.0.1');
  const irc = await startNgircd();
  const slack = await startSlackStandin();
  slack.addUser({ id: 'UALICE01', name: 'alice', displayName: 'alice' });
  slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
  const t = await startBenchBot({
    irc: { host: '127.0.0.1', port: irc.port, tls: false, channels: ['#ops'], flood: { burst: 10_000, rate: 10_000 } },
    slack: { bot_token: slack.botToken, app_token: slack.appToken, api_url: slack.apiUrl, rate: 10_000 },
    bridges: [['irc:#ops', 'slack:#ops']],
  });
  const carol = await connectRawClient(irc.port, 'carol');
  const dave = await connectRawClient(irc.port, 'dave');
  for (const c of [carol, dave]) {
    c.send('JOIN #ops');
    await c.waitFor(new RegExp(`${c.nick}!\\S+ JOIN`));
  }

  const baseline: number[] = [];
  for (let i = 0; i < N; i++) {
    const since = dave.lines.length;
    const t0 = performance.now();
    carol.send(`PRIVMSG #ops :base ${i}`);
    await dave.waitFor(new RegExp(`PRIVMSG #ops :base ${i}$`), 10_000, since);
    baseline.push(performance.now() - t0);
  }
  const ircToSlack: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    carol.send(`PRIVMSG #ops :i2s ${i}`);
    await slack.waitForPost((p) => p.text === `i2s ${i}`, 10_000);
    ircToSlack.push(performance.now() - t0);
  }
  const slackToIrc: number[] = [];
  for (let i = 0; i < N; i++) {
    const since = dave.lines.length;
    const t0 = performance.now();
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: `s2i ${i}` });
    await dave.waitFor(new RegExp(`PRIVMSG #ops :<a\u200blice> s2i ${i}$`), 10_000, since);
    slackToIrc.push(performance.now() - t0);
  }
  console.log(`relay latency, typed on one side until read on the other (${N} each):`);
  for (const [label, s] of [['baseline: IRC client → ngircd → IRC client', baseline], ['IRC → Slack through opsbridge', ircToSlack], ['Slack → IRC through opsbridge', slackToIrc]] as const) {
    const { median, p99 } = summarize(s);
    console.log(`  ${label.padEnd(44)} median ${fmtMs(median).padStart(9)}   p99 ${fmtMs(p99).padStart(9)}`);
  }

  // Throughput: a burst each way, rate limits opened up.
  const t1 = performance.now();
  for (let i = 0; i < BURST; i++) carol.send(`PRIVMSG #ops :tput ${i}`);
  await slack.waitForPost((p) => p.text === `tput ${BURST - 1}`, 120_000);
  const i2sRate = BURST / ((performance.now() - t1) / 1000);
  const since = dave.lines.length;
  const t2 = performance.now();
  await Promise.all(Array.from({ length: BURST }, (_, i) => slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: `tput2 ${i}` })));
  while (dave.lines.slice(since).map(parseIrcLine).filter((l) => l.command === 'PRIVMSG' && l.params[1]!.includes('tput2 ')).length < BURST) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const s2iRate = BURST / ((performance.now() - t2) / 1000);
  console.log(`relay throughput, ${BURST} messages in a burst, rate limits off:`);
  console.log(`  IRC → Slack ${i2sRate.toFixed(0)} messages/s    Slack → IRC ${s2iRate.toFixed(0)} messages/s`);

  await carol.close();
  await dave.close();
  await t.stop();
  await slack.stop();
  await irc.stop();
}
