import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderMrkdwn } from '../../src/adapters/slack/mrkdwn.js';
import { bold, code, line, link, list, richText, text, tone } from '../../src/chat/rich-text.js';

describe('renderMrkdwn', () => {
  it.each<[string, ReturnType<typeof richText>, string[]]>([
    ['plain lines', text('a\nb'), ['a', 'b']],
    ['bold', richText(line(bold('web01'), ' is up')), ['*web01* is up']],
    ['bold keeps spaces outside the markers', richText(line('x', bold(' y '), 'z')), ['x *y* z']],
    ['code', richText(line(code('a`b'))), ['`aˋb`']],
    ['critical tone is bold, others plain', richText(line(tone('critical', 'down'), ' ', tone('ok', 'up'))), ['*down* up']],
    ['link with label', richText(line(link('https://ops.example.com/x?a=1&b=2', 'board'))), ['<https://ops.example.com/x?a=1&amp;b=2|board>']],
    ['list', richText(list([['one'], ['two']])), ['• one', '• two']],
  ])('%s', (_label, rt, expected) => {
    expect(renderMrkdwn(rt)).toEqual(expected);
  });

  it('escapes &, < and > so user text cannot mention, link or ping', () => {
    expect(renderMrkdwn(text('<!channel> <@U123> a&b <https://evil|x>'))).toEqual(['&lt;!channel&gt; &lt;@U123&gt; a&amp;b &lt;https://evil|x&gt;']);
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
  });
});
