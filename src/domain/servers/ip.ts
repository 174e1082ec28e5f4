
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

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIp(s: string): ParsedIp | null {
  // IPv4 first and without isIP(): imports parse hundreds of thousands.
  const m = V4.exec(s);
  if (m) {
    let hex = '00000000000000000000ffff';
    for (let i = 1; i <= 4; i++) hex += Number(m[i]).toString(16).padStart(2, '0');
    return { text: s, key: hex };
  }
  const groups = s.includes(':') ? v6Groups(s) : null;
  if (!groups) return null;
  return { text: compressV6(groups), key: groups.map((g) => g.toString(16).padStart(4, '0')).join('') };
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
  const v4 = V4.test(m[1]!);
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

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function v6Groups(s: string): number[] | null {
  if (s.length > 45) return null;
  const gap = s.indexOf('::');
  if (gap >= 0 && s.indexOf('::', gap + 1) >= 0) return null;
  const parse = (part: string, last: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const g = pieces[i]!;
      // An embedded IPv4 address may end the address (::ffff:192.0.2.1).
      if (last && i === pieces.length - 1 && g.includes('.')) {
        const m = V4.exec(g);
        if (!m) return null;
        const [a, b, c, d] = m.slice(1, 5).map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (HEX_GROUP.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  if (gap < 0) {
    const all = parse(s, true);
    return all && all.length === 8 ? all : null;
  }
  const head = parse(s.slice(0, gap), false);
  const tail = parse(s.slice(gap + 2), true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function compressV6(groups: number[]): string {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
