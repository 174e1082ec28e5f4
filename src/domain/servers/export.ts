import Papa from 'papaparse';
import { COLUMNS, LIST_COLUMNS, type Server } from './model.js';

export type ExportFormat = 'csv' | 'json' | 'ndjson';

/** The import columns of one host, lists as arrays: what export writes and import reads back. */
export function toImportRecord(s: Server): Record<string, unknown> {
  return Object.fromEntries(COLUMNS.map((c) => [c, s[c]]));
}

/**
 * Writes hosts in the import format, chunk by chunk, so that exporting
 * 100,000 hosts never holds the whole file in memory. `servers` may be read
 * from the store page by page (Inventory.all()): consume with `for await`.
 */
export async function* exportServers(servers: AsyncIterable<Server> | Iterable<Server>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield csvLine([...COLUMNS]);
    for await (const s of servers) {
      const rec = toImportRecord(s);
      for (const c of LIST_COLUMNS) rec[c] = (rec[c] as string[]).join(' ');
      yield csvLine(COLUMNS.map((c) => rec[c] ?? ''));
    }
    return;
  }
  if (format === 'ndjson') {
    for await (const s of servers) yield JSON.stringify(toImportRecord(s)) + '\n';
    return;
  }
  // One host per line: diffable, and import's error lines match the file.
  let first = true;
  yield '[';
  for await (const s of servers) {
    yield (first ? '\n' : ',\n') + JSON.stringify(toImportRecord(s));
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

function csvLine(fields: unknown[]): string {
  return Papa.unparse([fields], { newline: '\n' }) + '\n';
}
