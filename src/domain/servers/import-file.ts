import Papa from 'papaparse';
import { UserError } from '../../errors.js';
import { COLUMNS } from './model.js';

export type ImportFormat = 'csv' | 'json' | 'ndjson';

export interface FileRow {
  /** 1-based line in the file where the row starts. */
  line: number;
  fields: Record<string, unknown>;
}

/** A row the file itself could not express (bad JSON line, not an object). */
export interface FileRowError {
  line: number;
  reason: string;
}

export interface ParsedFile {
  rows: FileRow[];
  errors: FileRowError[];
}

export function detectFormat(path: string, text: string): ImportFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  const first = text.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'ndjson';
  return 'csv';
}

/**
 * Splits an import file into rows with their line numbers. Pure. Problems
 * with the whole file (no header, an unknown column, broken JSON) throw a
 * UserError; problems with one row are returned so the rest can go in.
 */
export function parseServerFile(text: string, format: ImportFormat): ParsedFile {
  switch (format) {
    case 'csv':
      return parseCsvFile(text);
    case 'ndjson':
      return parseNdjson(text);
    case 'json':
      return parseJsonArray(text);
  }
}

function parseCsvFile(input: string): ParsedFile {
  // One line ending throughout: Papa guesses it from the first line, and a
  // file edited on two systems mixes them.
  const text = (input.charCodeAt(0) === 0xfeff ? input.slice(1) : input).replace(/\r\n?/g, '\n');
  const rows: FileRow[] = [];
  const errors: FileRowError[] = [];
  let header: string[] | null = null;
  let headerProblem: string | null = null;
  // Line numbers: count newlines up to where each record starts.
  let counted = 0;
  let line = 1;
  let prevEnd = 0;
  const lineAt = (pos: number) => {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
    counted = pos;
    return line;
  };
  Papa.parse<string[]>(text, {
    newline: '\n',
    // 'greedy': a line of spaces, or of empty fields only, is not a row.
    skipEmptyLines: 'greedy',
    step(result, parser) {
      let start = prevEnd;
      while (text[start] === '\n' || text[start] === ' ' || text[start] === '\t' || text[start] === ',') start++;
      prevEnd = result.meta.cursor;
      const at = lineAt(start);
      const record = result.data.map((f) => f.trim());
      if (header === null) {
        header = record.map((h) => h.toLowerCase());
        headerProblem = checkHeader(header);
        if (headerProblem) parser.abort();
        return;
      }
      if (result.errors.length > 0) {
        errors.push({ line: at, reason: `not valid CSV: ${result.errors[0]!.message.toLowerCase()}` });
        return;
      }
      if (record.length !== header.length) {
        errors.push({ line: at, reason: `${record.length} fields but the header has ${header.length}` });
        return;
      }
      const fields: Record<string, unknown> = {};
      header.forEach((h, i) => (fields[h] = record[i]));
      rows.push({ line: at, fields });
    },
  });
  if (headerProblem) throw new UserError(`line 1: ${headerProblem}`);
  return { rows, errors };
}

function checkHeader(header: string[]): string | null {
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) return `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} (columns: ${COLUMNS.join(', ')})`;
  if (!header.includes('name')) return `the header has no 'name' column (columns: ${COLUMNS.join(', ')})`;
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) return `column '${dup}' appears twice`;
  return null;
}

function parseNdjson(text: string): ParsedFile {
  const rows: FileRow[] = [];
  const errors: FileRowError[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = raw.trim();
    if (s === '') return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (err) {
      errors.push({ line: i + 1, reason: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) errors.push({ line: i + 1, reason: 'expected a JSON object' });
    else rows.push({ line: i + 1, fields: v as Record<string, unknown> });
  });
  return { rows, errors };
}

function parseJsonArray(text: string): ParsedFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(v)) throw new UserError('a JSON import must be an array of objects (or use NDJSON, one object per line)');
  const lines = elementLines(text);
  const rows: FileRow[] = [];
  const errors: FileRowError[] = [];
  v.forEach((el, i) => {
    const line = lines[i] ?? 1;
    if (el === null || typeof el !== 'object' || Array.isArray(el)) errors.push({ line, reason: 'expected a JSON object' });
    else rows.push({ line, fields: el as Record<string, unknown> });
  });
  return { rows, errors };
}

/** The line each top-level array element starts on, so JSON errors can name a line too. */
function elementLines(text: string): number[] {
  const out: number[] = [];
  let line = 1, depth = 0, inString = false, expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectValue && !/[\s,\]]/.test(c)) {
      out.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return out;
}
