import { isIP } from 'node:net';

/**
 * IP addresses are stored twice: as the text people type and as a fixed-width
 * 32-hex-digit key (IPv4 mapped into ::ffff:0:0/96), so an exact address and a
 * CIDR range are both one index lookup, for IPv4 and IPv6 alike.
 */
export interface ParsedIp {
  /** Canonical text: dotted quad, or compressed lowercase IPv6. */
  text: string;
  key: string;
}

export function parseIp(s: string): ParsedIp | null {
  const v = isIP(s);
  if (v === 4) {
    const n = s.split('.').map(Number);
    // isIP accepts no leading zeros or out-of-range parts, so this is safe.
    const hex = n.map((x) => x.toString(16).padStart(2, '0')).join('');
    return { text: n.join('.'), key: '00000000000000000000ffff' + hex };
  }
  if (v === 6) {
    const big = v6ToBigInt(s);
    return { text: bigIntToV6(big), key: big.toString(16).padStart(32, '0') };
  }
  return null;
}

export interface CidrRange {
  text: string;
  lo: string;
  hi: string;
}

export function parseCidr(s: string): CidrRange | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return null;
  const ip = parseIp(m[1]!);
  if (!ip) return null;
  const v4 = isIP(m[1]!) === 4;
  const bits = Number(m[2]);
  const total = v4 ? 32 : 128;
  if (bits > total) return null;
  const hostBits = BigInt(total - bits);
  const base = BigInt('0x' + ip.key);
  const mask = (1n << hostBits) - 1n;
  const lo = base & ~mask;
  const hi = lo | mask;
  const hex = (x: bigint) => x.toString(16).padStart(32, '0');
  return { text: `${v4 ? ip.text.split('.').map(Number).join('.') : ip.text}/${bits}`, lo: hex(lo), hi: hex(hi) };
}

function v6ToBigInt(s: string): bigint {
  let addr = s.toLowerCase();
  // Trailing embedded IPv4 (::ffff:1.2.3.4): turn it into two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    addr = addr.slice(0, -v4[1]!.length) + ((p[0]! << 8) | p[1]!).toString(16) + ':' + ((p[2]! << 8) | p[3]!).toString(16);
  }
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt('0x' + (g || '0')), 0n);
}

function bigIntToV6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run of two or more zero groups.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
