import type { Inline, RichText } from '../../chat/rich-text.js';

/**
 * Neutral rich text as Slack mrkdwn, one string per line. Text is escaped
 * (`&`, `<`, `>`) so user data can never become a mention, a link or a
 * channel ping. Slack text has no colours: critical text is bold. A
 * mention becomes a real one when `mentionId` knows the name.
 */
export function renderMrkdwn(rt: RichText, mentionId: (name: string) => string | undefined = () => undefined): string[] {
  const inlines = (children: Inline[]): string => children.map(inline).join('');
  const inline = (i: Inline): string => {
    if (typeof i === 'string') return escapeMrkdwn(i);
    switch (i.kind) {
      case 'bold':
        return wrap('*', inlines(i.children));
      case 'italic':
        return wrap('_', inlines(i.children));
      case 'strike':
        return wrap('~', inlines(i.children));
      case 'code':
        // Backticks inside would end the span early; Slack has no escape for them.
        return wrap('`', escapeMrkdwn(i.text.replace(/`/g, 'ˋ')));
      case 'tone':
        return i.tone === 'critical' ? wrap('*', inlines(i.children)) : inlines(i.children);
      case 'link':
        return `<${escapeMrkdwn(i.url)}${i.label !== undefined ? `|${escapeMrkdwn(i.label)}` : ''}>`;
      case 'mention': {
        const id = mentionId(i.name);
        return id ? `<@${id}>` : escapeMrkdwn(i.name);
      }
    }
  };
  const lines: string[] = [];
  for (const b of rt.blocks) {
    if (b.kind === 'line') lines.push(inlines(b.children));
    else for (const item of b.items) lines.push(`• ${inlines(item)}`);
  }
  return lines;
}

/** Markers only work around non-empty text that does not start or end with a space. */
function wrap(marker: string, s: string): string {
  const m = /^(\s*)(.*?)(\s*)$/s.exec(s)!;
  return m[2] ? `${m[1]}${marker}${m[2]}${marker}${m[3]}` : s;
}

export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
