import { line, link, type Block } from '../../src/chat/rich-text.js';

/** "…and N more", with a link to the full list when a public URL is configured. */
export function moreLine(hidden: number, publicUrl: string | undefined, path: string): Block | null {
  if (hidden <= 0) return null;
  if (!publicUrl) return line(`…and ${hidden} more`);
  return line(`…and ${hidden} more: `, link(publicUrl.replace(/\/$/, '') + path));
}
