import { line, link, type Block } from '../../src/chat/rich-text.js';

/** "…and N more", with a link to the whole list when there is one (a public URL is configured). */
export function moreLine(hidden: number, url: string | undefined): Block | null {
  if (hidden <= 0) return null;
  if (!url) return line(`…and ${hidden} more`);
  return line(`…and ${hidden} more: `, link(url));
}
