import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCommandReference } from '../../scripts/update-readme.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

describe('README', () => {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

  it('has the command reference generated from the declarations (run `npm run docs` after changing a command)', () => {
    expect(readme).toBe(withCommandReference(readme));
  });

  it('names the test command that .ci/run calls', () => {
    expect(readme).toContain('npm install && npm test');
    expect(readFileSync(join(PACKAGE_ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
