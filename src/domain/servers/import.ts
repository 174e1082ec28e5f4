import { parseServerFile, type ImportFormat } from './import-file.js';
import type { ImportCounts, Inventory } from './inventory.js';
import type { ServerInput } from './model.js';
import { validateRow } from './validate-row.js';

export interface Rejected {
  line: number;
  reason: string;
}

export interface ImportReport extends ImportCounts {
  rejected: Rejected[];
}

/**
 * Imports a CSV, JSON or NDJSON inventory file: every row is checked first,
 * bad rows are reported with their line and reason, and the good rows go in
 * together in one transaction.
 */
export async function importServers(
  inventory: Inventory,
  text: string,
  format: ImportFormat,
  opts: { actor: string; source: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const file = parseServerFile(text, format);
  const rejected: Rejected[] = [...file.errors];
  const good: ServerInput[] = [];
  const firstLine = new Map<string, number>();
  for (const row of file.rows) {
    const r = validateRow(row.fields);
    if (!r.ok) {
      rejected.push({ line: row.line, reason: r.reason });
      continue;
    }
    const key = r.input.name.toLowerCase();
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      rejected.push({ line: row.line, reason: `duplicate name '${r.input.name}' (first on line ${seen})` });
      continue;
    }
    firstLine.set(key, row.line);
    good.push(r.input);
  }
  rejected.sort((a, b) => a.line - b.line);
  const counts = await inventory.import(good, {
    actor: opts.actor,
    reason: `import ${opts.source}`,
    dryRun: opts.dryRun ?? false,
    onProgress: opts.onProgress && ((done) => opts.onProgress!(done, good.length)),
  });
  return { ...counts, rejected };
}
