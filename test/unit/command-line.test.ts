import { afterEach, describe, expect, it } from 'vitest';
import { splitArgs, tokenize, type Token } from '../../src/chat/command-line.js';
import { UserError } from '../../src/errors.js';

const values = (input: string) => tokenize(input).map((t) => t.value);
const parse = (input: string, onlyOptions?: readonly string[]) => {
  const r = splitArgs(tokenize(input), onlyOptions);
  return { positional: r.positional, options: { ...r.options }, flags: [...r.flags].sort() };
};

describe('tokenize: word splitting', () => {
  it.each<[string, string, string[]]>([
    ['single spaces', 'a b c', ['a', 'b', 'c']],
    ['runs of mixed whitespace', '  a \t b\n\nc  ', ['a', 'b', 'c']],
    ['empty input', '', []],
    ['only whitespace', ' \t \n', []],
    ['single quotes keep spaces', "'hello world' x", ['hello world', 'x']],
    ['single quotes are literal: backslash stays', "'a\\b'", ['a\\b']],
    ['double quotes keep spaces', '"hello world" x', ['hello world', 'x']],
    ['escaped double quote inside double quotes', '"say \\"hi\\""', ['say "hi"']],
    ['escaped backslash inside double quotes', '"C:\\\\temp"', ['C:\\temp']],
    ['other backslashes inside double quotes stay', '"a\\nb"', ['a\\nb']],
    ['double quote inside single quotes', `'he said "no"'`, ['he said "no"']],
    ['single quote inside double quotes', `"it's"`, ["it's"]],
    ['backslash escapes a space outside quotes', 'a\\ b c', ['a b', 'c']],
    ['backslash escapes a quote outside quotes', "don\\'t", ["don't"]],
    ['trailing backslash is kept', 'abc\\', ['abc\\']],
    ['quotes glue onto adjacent text', 'pre"mid dle"post', ['premid dlepost']],
    ['empty quotes make an empty word', "a '' b", ['a', '', 'b']],
    ['empty double quotes make an empty word', 'a "" b', ['a', '', 'b']],
  ])('%s', (_name, input, expected) => {
    expect(values(input)).toEqual(expected);
  });

  it.each<[string, Token]>([
    ['plain', { value: 'plain', quoted: false, bareKey: false }],
    ['k=v', { value: 'k=v', quoted: false, bareKey: true }],
    ['"k=v"', { value: 'k=v', quoted: true, bareKey: false }],
    ['k="v w"', { value: 'k=v w', quoted: true, bareKey: true }],
    ['at="2026-12-01 02:00"', { value: 'at=2026-12-01 02:00', quoted: true, bareKey: true }],
    ["at='2026-12-01 02:00'", { value: 'at=2026-12-01 02:00', quoted: true, bareKey: true }],
    ['k"e"y=v', { value: 'key=v', quoted: true, bareKey: false }],
    ['k\\=v', { value: 'k=v', quoted: true, bareKey: false }],
    ['"x"', { value: 'x', quoted: true, bareKey: false }],
  ])('token flags for %s', (input, expected) => {
    expect(tokenize(input)).toEqual([expected]);
  });

  it.each<[string, string]>([
    ['unterminated single quote', "say 'hello"],
    ['unterminated double quote', 'say "hello'],
    ['double quote whose closing quote is escaped', 'say "hello\\"'],
    ['quote opened in an option value', 'at="2026-12-01 02:00'],
  ])('%s throws a UserError', (_name, input) => {
    expect(() => tokenize(input)).toThrow(UserError);
  });

  it.each<[string, RegExp]>([
    ["it's", /unterminated single quote/],
    ['say "hi', /unterminated double quote/],
  ])('the error for %j names the quote and how to fix it', (input, kind) => {
    let err: unknown;
    try {
      tokenize(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toMatch(kind);
    expect(message).toMatch(/close it or escape it/);
    expect(message).not.toContain('\n');
  });
});

describe('splitArgs', () => {
  it.each<[string, string, ReturnType<typeof parse>]>([
    ['positional words in order', 'web01 db12 x', { positional: ['web01', 'db12', 'x'], options: {}, flags: [] }],
    ['key=value is an option', 'status=working', { positional: [], options: { status: 'working' }, flags: [] }],
    ['option keys are lowercased, values are not', 'Status=Working DC=Tokyo1', { positional: [], options: { status: 'Working', dc: 'Tokyo1' }, flags: [] }],
    ['options and positionals interleave', 'a k=v b', { positional: ['a', 'b'], options: { k: 'v' }, flags: [] }],
    ['empty value', 'reason=', { positional: [], options: { reason: '' }, flags: [] }],
    ['value keeps later = signs', 'q=a=b', { positional: [], options: { q: 'a=b' }, flags: [] }],
    ['quoted value with spaces stays an option', 'at="2026-12-01 02:00" web01', { positional: ['web01'], options: { at: '2026-12-01 02:00' }, flags: [] }],
    ['--flag, lowercased', '--Force --dry-run', { positional: [], options: {}, flags: ['dry-run', 'force'] }],
    ['--key=value is an option', '--Limit=5', { positional: [], options: { limit: '5' }, flags: [] }],
    ['-- ends options', '--force -- a=b --x', { positional: ['a=b', '--x'], options: {}, flags: ['force'] }],
    ['a second -- after the first is text', '-- --', { positional: ['--'], options: {}, flags: [] }],
    ['quoted "a=b" is positional', '"a=b"', { positional: ['a=b'], options: {}, flags: [] }],
    ["quoted 'a=b' is positional", "'a=b'", { positional: ['a=b'], options: {}, flags: [] }],
    ['a quoted key makes the word text', 'k"e"y=v', { positional: ['key=v'], options: {}, flags: [] }],
    ['an escaped = makes the word text', 'a\\=b', { positional: ['a=b'], options: {}, flags: [] }],
    ['quoted "--flag" is text', '"--force"', { positional: ['--force'], options: {}, flags: [] }],
    ['quoted "--" does not end options', '"--" k=v', { positional: ['--'], options: { k: 'v' }, flags: [] }],
    ['=value with no key is text', '=x', { positional: ['=x'], options: {}, flags: [] }],
    ['a key that is not a word is text', '1a=x a/b=y', { positional: ['1a=x', 'a/b=y'], options: {}, flags: [] }],
    ['a lone - and a --- are text', '- ---', { positional: ['-', '---'], options: {}, flags: [] }],
    ['a URL with = in the query stays text', 'https://x.example/?a=b', { positional: ['https://x.example/?a=b'], options: {}, flags: [] }],
    ['the last repeated option wins', 'k=1 k=2', { positional: [], options: { k: '2' }, flags: [] }],
  ])('%s', (_name, input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  describe('with onlyOptions (free-text commands)', () => {
    it.each<[string, string, readonly string[], ReturnType<typeof parse>]>([
      ['declared key is an option', 'reason=disk at=now', ['reason', 'at'], { positional: [], options: { reason: 'disk', at: 'now' }, flags: [] }],
      [
        'undeclared key=value stays text in its place',
        'disk full a=b on web01 at=now',
        ['at'],
        { positional: ['disk', 'full', 'a=b', 'on', 'web01'], options: { at: 'now' }, flags: [] },
      ],
      ['declared key matches case-insensitively', 'AT=now', ['at'], { positional: [], options: { at: 'now' }, flags: [] }],
      ['undeclared --key=value stays text', '--x=1 y', ['at'], { positional: ['--x=1', 'y'], options: {}, flags: [] }],
      ['an empty list makes every key=value text', 'a=1 b=2', [], { positional: ['a=1', 'b=2'], options: {}, flags: [] }],
      ['flags are still flags', '--force note', ['at'], { positional: ['note'], options: {}, flags: ['force'] }],
    ])('%s', (_name, input, only, expected) => {
      expect(parse(input, only)).toEqual(expected);
    });
  });

  describe('prototype safety', () => {
    afterEach(() => {
      // Undo any damage so one failure does not spread to other tests.
      for (const k of ['x', 'polluted']) delete (Object.prototype as Record<string, unknown>)[k];
    });

    it.each([['__proto__=x'], ['--__proto__=x'], ['__proto__.polluted=1'], ['constructor=x'], ['toString=x'], ['prototype=x']])(
      '%s does not reach Object.prototype',
      (input) => {
        const r = splitArgs(tokenize(input));
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(r.options)).toBeNull();
        // Whatever the parser does with the word, it is either an own option or text.
        const own = Object.keys(r.options);
        expect(own.length + r.positional.length).toBe(1);
      },
    );

    it('an option named like an Object method is an own string value', () => {
      const r = splitArgs(tokenize('constructor=x hasOwnProperty=y'));
      expect(r.options.constructor).toBe('x');
      expect(r.options.hasownproperty).toBe('y');
      expect(Object.keys(r.options).sort()).toEqual(['constructor', 'hasownproperty']);
    });

    it('an options object has no inherited keys to confuse "key in options"', () => {
      const r = splitArgs(tokenize('a=1'));
      expect('toString' in r.options).toBe(false);
      expect('__proto__' in r.options).toBe(false);
    });
  });
});

describe('splitArgs: --key= with a quoted value', () => {
  it('keeps --reason="disk full" an option', () => {
    const args = splitArgs(tokenize(`--reason="disk full" --at='2026-12-01 02:00'`));
    expect(args.options).toEqual({ reason: 'disk full', at: '2026-12-01 02:00' });
    expect(args.positional).toEqual([]);
  });

  it('keeps a fully quoted "--flag" text', () => {
    expect(splitArgs(tokenize('"--full"')).positional).toEqual(['--full']);
  });
});
