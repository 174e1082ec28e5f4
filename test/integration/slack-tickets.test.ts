import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.js';
import { startSlackStandin, type SlackStandin } from '../helpers/slack-standin.js';

/** Tickets through the real Bolt app: Slack mentions name the assignee, and a person hears privately in a DM. */
let slack: SlackStandin;
let testBot: TestBot;

beforeEach(async () => {
  slack = await startSlackStandin();
  slack.addUser({ id: 'UALICE01', name: 'alice', displayName: 'Alice Smith' });
  slack.addUser({ id: 'UBOB0001', name: 'bob', displayName: 'Bob' });
  slack.addChannel({ id: 'C0OPS0001', name: 'ops' });
  testBot = await startTestBot({
    roles: { operator: ['slack:UALICE01'] },
    people: [{ name: 'alice', irc: 'alice', slack: 'UALICE01' }, { name: 'bob', irc: 'bobby', slack: 'UBOB0001' }],
    slack: { bot_token: slack.botToken, app_token: slack.appToken, api_url: slack.apiUrl },
  });
  await eventually(() => testBot.bot.chatStatus().slack!.connected === true, 'the bot connected to Slack');
  await slack.waitForConnection();
});
afterEach(async () => {
  await testBot.stop();
  await slack.stop();
});

describe('tickets in Slack', () => {
  it('a Slack mention assigns the configured person, and the reply mentions them back', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UALICE01', text: '!ticket new dns flaps in eu <@UBOB0001> prio=high' });
    const created = await slack.waitForPost((p) => p.channel === 'C0OPS0001');
    expect(created.text).toBe('*#1 created:* [high] dns flaps in eu — open → <@UBOB0001>');
    const t = (await testBot.bot.core.services.tickets.get(1))!;
    expect(t).toMatchObject({ title: 'dns flaps in eu', assignee: 'bob', reporter: 'alice', priority: 'high' });
    // Bob was mentioned where he was assigned: no DM on Slack as well.
    expect(slack.posted.filter((p) => p.channel === 'DBOB0001')).toEqual([]);
  });

  it('a change made elsewhere reaches the assignee as a Slack DM; "mine" is the same person on both chats', async () => {
    const tickets = testBot.bot.core.services.tickets;
    await tickets.create({ title: 'rotate certs', reporter: { name: 'alice' }, assignee: { name: 'bob' } });
    // alice comments from the console (another platform): bob hears in his DM with the bot.
    await tickets.comment(1, { name: 'alice' }, 'the wildcard expires on Friday');
    const opened = await slack.waitForPost((p) => p.channel === 'DBOB0001');
    expect(opened.text).toBe('*#1* alice opened it and assigned you — rotate certs — open → bob');
    const dm = await slack.waitForPost((p) => p.channel === 'DBOB0001' && p !== opened);
    expect(dm.text).toBe('*#1* alice: the wildcard expires on Friday — rotate certs — open → bob');
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: '!tickets mine' });
    const mine = await slack.waitForPost((p) => p.channel === 'C0OPS0001' && p.text.includes('assigned to you'));
    expect(mine.text).toContain('rotate certs');
  });

  it('#N in conversation gets no preview where previews are off, and a garbage ticket command gets one clear line', async () => {
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: 'is #1 still a thing?' });
    await slack.sendMessage({ channel: 'C0OPS0001', user: 'UBOB0001', text: '!ticket close #1x' });
    const err = await slack.waitForPost((p) => p.channel === 'C0OPS0001');
    expect(err.text).toMatch(/'#1x' is not a ticket number/);
    expect(slack.posted.filter((p) => p.channel === 'C0OPS0001')).toHaveLength(1);
  });
});
