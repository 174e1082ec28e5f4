/** A nick or channel: no spaces, commas, colons at the start, or control characters. */
export function isValidTarget(t: string): boolean {
  return /^[^\s,:\x00-\x1f\x7f][^\s,\x00-\x1f\x7f]*$/.test(t) && t.length <= 64;
}

export function isChannel(target: string): boolean {
  return /^[#&+!]/.test(target);
}
