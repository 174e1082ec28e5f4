import { bold, code, italic, line, link, richText, strike, type Block, type Inline, type RichText } from '../../chat/rich-text.js';

export interface SlackNames {
  user(id: string): string;
  channel(id: string): string | undefined;
}

/**
 * Slack message text (mrkdwn with `<@U…>`, `<#C…|name>`, `<url|label>` and
 * HTML entities) as neutral rich text: mentions become display names,
 * channel links `#name`, links `label (url)` once rendered, bold, italic,
 * strike and code carry over, and a code block becomes its own lines.
 */
export function richTextFromSlack(text: string, names: SlackNames): RichText {
  const blocks: Block[] = [];
  const parts = text.split(/```/);
  parts.forEach((part, i) => {
    const inBlock = i % 2 === 1 && i < parts.length - 1;
    for (const l of part.replace(/^\n|\n$/g, inBlock ? '' : '$&').split('\n')) {
      if (inBlock) blocks.push(line(code(unescape(l))));
      else if (l.trim() !== '') blocks.push(line(...inlines(l, names)));
    }
  });
  return richText(...blocks);
}

const TOKEN = /<([@#!])([^>|]+)(?:\|([^>]*))?>|<([^>|]+)(?:\|([^>]*))?>|`([^`]+)`|(^|[\s(])([*_~])(\S(?:[^*_~]*\S)?)\8(?=$|[\s).,!?:;])/g;

function inlines(text: string, names: SlackNames): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const lead = m[7] ?? '';
    if (m.index! + lead.length > last) out.push(unescape(text.slice(last, m.index! + lead.length)));
    last = m.index! + m[0].length;
    if (m[1] === '@') out.push('@' + names.user(m[2]!));
    else if (m[1] === '#') out.push('#' + (m[3] || names.channel(m[2]!) || m[2]!));
    else if (m[1] === '!') out.push('@' + (m[3] || m[2]!.split('^')[0]));
    else if (m[4] !== undefined) out.push(m[5] ? link(unescape(m[4]), unescape(m[5])) : unescape(m[4]).replace(/^mailto:/, ''));
    else if (m[6] !== undefined) out.push(code(unescape(m[6])));
    else {
      const inner = inlines(m[9]!, names);
      out.push(m[8] === '*' ? bold(...inner) : m[8] === '_' ? italic(...inner) : strike(...inner));
    }
  }
  if (last < text.length) out.push(unescape(text.slice(last)));
  return out;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The text as the user meant it, for running a command: Slack turns a typed
 * `web01.example.com` into `<http://web01.example.com|web01.example.com>`,
 * and names into `<@U…>`.
 */
export function plainFromSlack(text: string, names: SlackNames): string {
  return unescape(
    text.replace(/<([@#!]?)([^>|]+)(?:\|([^>]*))?>/g, (_m, sigil: string, body: string, label?: string) => {
      if (sigil === '@') return '@' + names.user(body);
      if (sigil === '#') return '#' + (label || names.channel(body) || body);
      if (sigil === '!') return '@' + (label || body.split('^')[0]);
      return label || body.replace(/^mailto:/, '');
    }),
  );
}
