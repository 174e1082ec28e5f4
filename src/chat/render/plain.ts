import { plainInline, type RichText } from '../rich-text.js';

/** Plain text, one string per output line: for pipes, logs and tests. */
export function renderPlainLines(rt: RichText): string[] {
  const out: string[] = [];
  for (const b of rt.blocks) {
    if (b.kind === 'line') out.push(b.children.map(plainInline).join(''));
    else for (const item of b.items) out.push(`- ${item.map(plainInline).join('')}`);
  }
  return out;
}

export function renderPlain(rt: RichText): string {
  return renderPlainLines(rt).join('\n');
}
