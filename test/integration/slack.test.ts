import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importServers } from '../../src/domain/servers/import.js';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.js';

/** The bot's real Bolt app against the Slack stand-in: every command works in Slack. */
let slack: SlackStandin;
let testBot: TestBot;

beforeEach(async () => {
  slack = await startSlackStandin();
  slack.addUser({ id: 'UALICE01', name: 'alice', displayName: 'Alice' });
  slack.addUser({ id: 'UBOB0001', name: 'bob', displayName: 'Bob' });
  slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
  testBot = await startTestBot({
    roles: { operator: ['slack:UALICE01'] },
    slack: { bot_token: slack.botToken, app_token: slack.appToken, api_url: slack.apiUrl },
  });
  importServers(testBot.bot.core.services.inventory, 'name,ips,status\nweb01,10.0.0.1,working\n', 'csv', { actor: 't', source: 't' });
  await eventually(() => testBot.bot.chatStatus().slack!.connected === true, 'the bot connected to Slack');
  await slack.waitForConnection();
});
afterEach(async () => {
  await testBot.stop();
  await slack.stop();
});

const botPosts = (channel: string) => slack.posted.filter((p) => p.channel === channel && p.via === 'api');

describe('commands in Slack', () => {
  it('answers in the channel, by prefix and by mention, and only once', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!server web01' });
    await slack.waitForPost((p) => p.channel === 'C0OPS0001' && p.text.includes('*web01*'));
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: `<@${slack.botUserId}> whoami` });
    await slack.waitForPost((p) => p.text === 'Bob is slack:UBOB0001; role: viewer');
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: 'talking about web01, not to the bot' });
    await new Promise((r) => setTimeout(r, 300));
    expect(botPosts('C0OPS0001').map((p) => p.text)).toEqual([
      '*web01* · working · 10.0.0.1',
      'Bob is slack:UBOB0001; role: viewer',
    ]);
  });

  it('grants roles by Slack user ID, never by display name', async () => {
    slack.addUser({ id: 'UMALLORY', name: 'alice2', displayName: 'Alice' });
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UMALLORY', text: '!server set web01 status=poweroff' });
    await slack.waitForPost((p) => p.text.includes("needs the operator role; you are viewer"));
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!server set web01 status=maintenance disk' });
    await slack.waitForPost((p) => p.text.includes('maintenance'));
    expect((await testBot.bot.core.services.inventory.get('web01'))!.status).toBe('maintenance');
  });

  it('answers a direct message without a prefix', async () => {
    await slack.sendMessage({ channel: 'D0ALICE01', user: 'UALICE01', text: 'server web01' });
    await slack.waitForPost((p) => p.channel === 'D0ALICE01' && p.text.includes('*web01*'));
  });

  it('answers a slash command ephemerally', async () => {
    await slack.sendSlashCommand({ command: '/ops', text: 'server web01', user: 'UBOB0001', channel: 'C0OPS0001' });
    const p = await slack.waitForPost((m) => m.method === 'chat.postEphemeral');
    expect(p).toMatchObject({ channel: 'C0OPS0001', user: 'UBOB0001' });
    expect(p.text).toContain('*web01*');
    expect(botPosts('C0OPS0001').filter((m) => m.method === 'chat.postMessage')).toEqual([]);
  });

  it('puts a long reply in a thread instead of flooding the channel', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!help server' });
    const head = await slack.waitForPost((p) => p.text.includes('more lines in the thread'));
    expect(head.text.split('\n')).toHaveLength(5);
    const thread = await slack.waitForPost((p) => p.thread_ts === head.ts);
    expect(thread.text.split('\n').length).toBeGreaterThan(5);
  });

  it('waits out a 429 and sends again, losing nothing', async () => {
    slack.rateLimit(2, 1, 'chat.postMessage');
    await testBot.post('slack:#ops', 'after the storm');
    await testBot.post('slack:#ops', 'second');
    await slack.waitForPost((p) => p.text === 'second', 20_000);
    expect(botPosts('C0OPS0001').map((p) => p.text)).toEqual(['after the storm', 'second']);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429)).toHaveLength(2);
    await eventually(async () => (await testBot.bot.core.outbox.pendingCount()) === 0, 'both rows delivered');
  }, 30_000);

  it('follows a channel rename without waiting for the cache to expire', async () => {
    await testBot.post('slack:#ops', 'before');
    await slack.waitForPost((p) => p.text === 'before');
    await slack.renameChannel('C0OPS0001', 'operations');
    await new Promise((r) => setTimeout(r, 100));
    // The cache is fresh and held #ops: only the channel_rename event can have dropped it.
    await testBot.post('slack:#ops', 'to the old name');
    await eventually(() => testBot.logs.some((l) => String(l.error ?? '').includes('no Slack channel #ops')), 'the old name refused and set aside');
    expect(slack.posted.some((m) => m.text === 'to the old name')).toBe(false);
    await testBot.post('slack:#operations', 'after');
    const p = await slack.waitForPost((m) => m.text === 'after');
    expect(p.channel).toBe('C0OPS0001');
  });

  it('answers garbage with a clear error and keeps running', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!server "unterminated' });
    await slack.waitForPost((p) => p.text.startsWith('unterminated double quote'));
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!servers colour=&lt;red&gt;' });
    await slack.waitForPost((p) => p.text.startsWith("'servers' has no option 'colour'"));
  });
});
