import { parseIp } from './ip.js';
import { COLUMNS, isStatus, STATUSES, type Column, type ServerInput } from './model.js';

export type RowResult = { ok: true; input: ServerInput } | { ok: false; reason: string };

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$/;
const WORD = /^\S+$/;
const KNOWN: ReadonlySet<string> = new Set(COLUMNS);

/**
 * Checks one import row and turns it into a ServerInput. Pure. `row` holds
 * the columns that the file has, as strings (CSV) or JSON values; a list
 * column may be an array or a space-separated string.
 */
export function validateRow(row: Record<string, unknown>): RowResult {
  for (const key in row) {
    if (!KNOWN.has(key)) return fail(`unknown field '${key}' (fields: ${COLUMNS.join(', ')})`);
  }
  if (!scalar(row.name)) return fail('name must be text');
  const name = str(row.name);
  if (name === null) return fail('missing name');
  if (!NAME.test(name)) return fail(`bad name '${clip(name)}': letters, digits, '.', '_' and '-' only`);
  const input: ServerInput = { name };
  const has = (c: Column) => Object.hasOwn(row, c);

  for (const c of ['fqdn', 'service', 'dc', 'rack', 'model', 'os', 'notes'] as const) {
    if (!has(c)) continue;
    if (!scalar(row[c])) return fail(`${c} must be text`);
    input[c] = str(row[c]);
  }
  if (input.fqdn && !/^[A-Za-z0-9.-]+$/.test(input.fqdn)) return fail(`bad fqdn '${clip(input.fqdn)}'`);

  if (has('status')) {
    if (!scalar(row.status)) return fail(`status must be text: one of ${STATUSES.join(', ')}`);
    const s = str(row.status);
    if (s !== null) {
      const lower = s.toLowerCase();
      if (!isStatus(lower)) return fail(`unknown status '${clip(s)}' (one of: ${STATUSES.join(', ')})`);
      input.status = lower;
    }
  }

  if (has('ips')) {
    const r = list(row.ips, 'ips');
    if (typeof r === 'string') return fail(r);
    const ips: string[] = [];
    for (const raw of r) {
      const ip = parseIp(raw);
      if (!ip) return fail(`bad IP '${clip(raw)}'`);
      if (!ips.includes(ip.text)) ips.push(ip.text);
    }
    input.ips = ips;
  }
  for (const c of ['roles', 'tags'] as const) {
    if (!has(c)) continue;
    const r = list(row[c], c);
    if (typeof r === 'string') return fail(r);
    input[c] = [...new Set(r)];
  }

  if (has('cpu')) {
    const n = num(row.cpu);
    if (n === undefined || (n !== null && (!Number.isInteger(n) || n <= 0 || n > 100_000))) return fail(`bad cpu '${clip(String(row.cpu))}': a whole number of cores`);
    input.cpu = n;
  }
  if (has('memory_gb')) {
    const n = num(row.memory_gb);
    if (n === undefined || (n !== null && (n <= 0 || n > 1e7))) return fail(`bad memory_gb '${clip(String(row.memory_gb))}': a positive number`);
    input.memory_gb = n;
  }
  return { ok: true, input };
}

/** Text in a CSV; in JSON also a number (a rack `12`), never a list, object or boolean. */
function scalar(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || typeof v === 'number';
}

function fail(reason: string): RowResult {
  return { ok: false, reason };
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** null: empty; undefined: not a number. */
function num(v: unknown): number | null | undefined {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
}

function list(v: unknown, column: string): string[] | string {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v) {
      if (typeof x !== 'string' || !WORD.test(x)) return `${column} must be a list of words without spaces`;
      out.push(x);
    }
    return out;
  }
  return `${column} must be a list`;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
