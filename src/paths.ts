import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root directory, found by walking up from this file, so the
 * same code works from `src/` under vitest and from `dist/src/` once built.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('opsbridge: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
/**
 * Each engine's migrations: the same names in both folders, one schema
 * written in each dialect (a test checks that the two lists match).
 */
export function migrationsDir(engine: 'sqlite' | 'postgres'): string {
  return join(PACKAGE_ROOT, 'migrations', engine);
}
