import { describe, expect, it } from 'vitest';
import { inlinesFromIrc } from '../../src/adapters/irc/from-irc.js';
import { renderIrc, stripCodes } from '../../src/adapters/irc/irc-render.js';
import { richTextFromSlack } from '../../src/adapters/slack/from-slack.js';
import { renderMrkdwn } from '../../src/adapters/slack/mrkdwn.js';
import { line, mention, richText } from '../../src/chat/rich-text.js';

const names = {
  user: (id: string) => ({ U1: 'alice', U2: 'Bob Smith' })[id] ?? id,
  channel: (id: string) => ({ C1: 'ops' })[id],
};
const slackToIrc = (t: string) => renderIrc(richTextFromSlack(t, names), { formatting: true });
const ircToSlack = (t: string) => renderMrkdwn(richText(line(...inlinesFromIrc(t))));

describe('Slack text to IRC', () => {
  it.each<[string, string, string[]]>([
    ['a user mention becomes the display name', 'hi <@U1> and <@U2>', ['hi @alice and @Bob Smith']],
    ['a channel link becomes #name', 'see <#C1> and <#C9|dev>', ['see #ops and #dev']],
    ['a labelled link becomes label (url)', '<https://x.io/a?b=1&amp;c=2|the board>', ['the board (https://x.io/a?b=1&c=2)']],
    ['a bare link stays a url', '<https://y.io>', ['https://y.io']],
    ['entities are unescaped', 'a &amp; b &lt;c&gt;', ['a & b <c>']],
    ['bold, italic, strike and code become IRC codes', '*b* _i_ ~s~ `c`', ['\x02b\x0f \x1di\x0f \x1es\x0f \x11c\x0f']],
    ['markers inside words are text', 'x*y*z snake_case_name', ['x*y*z snake_case_name']],
    ['emoji shortcodes stay as text', 'deploy done :tada:', ['deploy done :tada:']],
    ['@here stays readable', '<!here> heads up', ['@here heads up']],
    ['lines and code blocks become lines', 'one\n```\nfn()\n  x\n```\ntwo', ['one', '\x11fn()\x0f', '\x11  x\x0f', 'two']],
  ])('%s', (_label, input, expected) => {
    expect(slackToIrc(input)).toEqual(expected);
  });
});

describe('IRC text to Slack', () => {
  it.each<[string, string, string[]]>([
    ['bold, italic, strike and monospace carry over', 'a \x02b\x02 \x1di\x1d \x1es\x1e \x11c\x11', ['a *b* _i_ ~s~ `c`']],
    ['colours are dropped, the text stays', '\x0304,01red\x03 text', ['red text']],
    ['Slack markup typed on IRC is escaped, not obeyed', '<!channel> <@U1> a&b', ['&lt;!channel&gt; &lt;@U1&gt; a&amp;b']],
  ])('%s', (_label, input, expected) => {
    expect(ircToSlack(input)).toEqual(expected);
  });

  it('renders a mention as a real Slack mention when the name is known', () => {
    const rt = richText(line(mention('alice'), ': ping'));
    expect(renderMrkdwn(rt, (n) => (n === 'alice' ? 'U1' : undefined))).toEqual(['<@U1>: ping']);
    expect(renderMrkdwn(rt)).toEqual(['alice: ping']);
    expect(stripCodes(renderIrc(rt, { formatting: true })[0]!)).toBe('alice: ping');
  });
});

describe('Slack text as typed, for commands', () => {
  it('undoes auto-links, mentions and entities', async () => {
    const { plainFromSlack } = await import('../../src/adapters/slack/from-slack.js');
    expect(plainFromSlack('!server <http://web01.example.com|web01.example.com>', names)).toBe('!server web01.example.com');
    expect(plainFromSlack('!say <#C1> hi <@U1> &lt;3 <mailto:a@b.c|a@b.c> <https://x.io>', names)).toBe('!say #ops hi @alice <3 a@b.c https://x.io');
  });
});
