/**
 * Neutral rich text: what commands and alerts produce, and what each adapter
 * renders in its own way (IRC control codes, Slack mrkdwn, ANSI for the
 * console, plain text for logs and `opsbridge run` into a pipe).
 */

/** Colour by meaning, not by hue: each renderer picks its own colour. */
export type Tone = 'critical' | 'warning' | 'info' | 'ok' | 'muted';

export type Inline =
  | string
  | { kind: 'bold'; children: Inline[] }
  | { kind: 'italic'; children: Inline[] }
  | { kind: 'strike'; children: Inline[] }
  /** A person named by their name on the other side of a bridge; a renderer may turn it into a real mention. */
  | { kind: 'mention'; name: string }
  | { kind: 'code'; text: string }
  | { kind: 'tone'; tone: Tone; children: Inline[] }
  | { kind: 'link'; url: string; label?: string };

export type Block = { kind: 'line'; children: Inline[] } | { kind: 'list'; items: Inline[][] };

export interface RichText {
  blocks: Block[];
}

export const bold = (...children: Inline[]): Inline => ({ kind: 'bold', children });
export const italic = (...children: Inline[]): Inline => ({ kind: 'italic', children });
export const strike = (...children: Inline[]): Inline => ({ kind: 'strike', children });
export const mention = (name: string): Inline => ({ kind: 'mention', name });
export const code = (text: string): Inline => ({ kind: 'code', text });
export const tone = (t: Tone, ...children: Inline[]): Inline => ({ kind: 'tone', tone: t, children });
export const link = (url: string, label?: string): Inline => (label === undefined ? { kind: 'link', url } : { kind: 'link', url, label });

export const line = (...children: Inline[]): Block => ({ kind: 'line', children });
export const list = (items: Inline[][]): Block => ({ kind: 'list', items });

export function richText(...blocks: Block[]): RichText {
  return { blocks };
}

/** One-line message from plain text. */
export function text(s: string): RichText {
  return richText(...s.split('\n').map((l) => line(l)));
}

/** Joins inlines with a separator, skipping empty parts. */
export function join(parts: (Inline | null | undefined | false)[], sep: Inline = ' '): Inline[] {
  const out: Inline[] = [];
  for (const p of parts) {
    if (p === null || p === undefined || p === false || p === '') continue;
    if (out.length > 0) out.push(sep);
    out.push(p);
  }
  return out;
}

/** Text content with all formatting dropped: for logs, search, and length checks. */
export function plainInline(i: Inline): string {
  if (typeof i === 'string') return i;
  switch (i.kind) {
    case 'code':
      return i.text;
    case 'link':
      return i.label === undefined ? i.url : `${i.label} (${i.url})`;
    case 'mention':
      return i.name;
    default:
      return i.children.map(plainInline).join('');
  }
}
