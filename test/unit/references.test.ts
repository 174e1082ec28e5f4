import { describe, expect, it } from 'vitest';
import { parseReferences } from '../../src/domain/git/references.js';

describe('parseReferences', () => {
  it.each<[string, Array<[number, 'link' | 'close']>]>([
    ['refs #42', [[42, 'link']]],
    ['references #42', [[42, 'link']]],
    ['re #42 disk check', [[42, 'link']]],
    ['see #7', [[7, 'link']]],
    ['Fixes #42', [[42, 'close']]],
    ['fix #42', [[42, 'close']]],
    ['FIXED #42', [[42, 'close']]],
    ['closes #42', [[42, 'close']]],
    ['close #42', [[42, 'close']]],
    ['closed #42', [[42, 'close']]],
    ['resolves #42', [[42, 'close']]],
    ['resolve #42', [[42, 'close']]],
    ['resolved #42', [[42, 'close']]],
    ['fix disk check (fixes #42)', [[42, 'close']]],
    ['fixes: #42', [[42, 'close']]],
    ['fixes #1, #2 and #3', [[1, 'close'], [2, 'close'], [3, 'close']]],
    ['fixes #1,#2, and #3', [[1, 'close'], [2, 'close'], [3, 'close']]],
    ['refs #1 & #2', [[1, 'link'], [2, 'link']]],
    ['refs #5; fixes #6', [[5, 'link'], [6, 'close']]],
    ['refs #5\n\nLater: fixes #5', [[5, 'close']]],
    ['fixes #5 and refs #5', [[5, 'close']]],
    ['refs #42.', [[42, 'link']]],
    ['see #12)', [[12, 'link']]],
  ])('%j', (message, want) => {
    expect(parseReferences(message)).toEqual(want.map(([ticket, action]) => ({ ticket, action })));
  });

  it.each([
    'prefix#12',
    'refs prefix#12',
    'fixes #12abc',
    'fixes#12',
    'fixes#',
    'fixes #',
    '#42 alone is not a reference',
    'prefixes #12',
    'refsx #12',
    'refs #0',
    'fixes #99999999999',
    'fixes ##12',
    'pre-fixes #12',
    'issue#12 fixes nothing',
  ])('does not link %j', (message) => {
    expect(parseReferences(message)).toEqual([]);
  });

  it('takes configured keyword lists, still whole words and case-insensitive', () => {
    const keywords = { link: ['touches'], close: ['kills'] };
    expect(parseReferences('Touches #3, KILLS #4; fixes #5', keywords)).toEqual([
      { ticket: 3, action: 'link' },
      { ticket: 4, action: 'close' },
    ]);
    expect(parseReferences('refs #3', { link: [], close: [] })).toEqual([]);
  });

  it('a list stops at the first thing that is not another #N', () => {
    expect(parseReferences('fixes #1, #2 and then some, #3')).toEqual([
      { ticket: 1, action: 'close' },
      { ticket: 2, action: 'close' },
    ]);
  });
});
