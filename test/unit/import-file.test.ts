import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { detectFormat, parseServerFile, type ImportFormat } from '../../src/domain/servers/import-file.js';
import { thrownBy } from '../helpers/thrown.js';

const lines = (...ls: string[]) => ls.join('\n') + '\n';

const userErrorOf = (f: () => unknown) => thrownBy(UserError, f);

describe('detectFormat', () => {
  it.each<[string, string, ImportFormat]>([
    ['hosts.csv', '[', 'csv'],
    ['HOSTS.CSV', '', 'csv'],
    ['hosts.json', 'name,ips', 'json'],
    ['hosts.JSON', '', 'json'],
    ['hosts.ndjson', '[', 'ndjson'],
    ['hosts.jsonl', '', 'ndjson'],
    ['dir.json/hosts.txt', 'name\nweb01\n', 'csv'],
    ['-', '[{"name":"web01"}]', 'json'],
    ['-', '  \n\t[\n{"name":"web01"}]', 'json'],
    ['-', '{"name":"web01"}\n{"name":"web02"}', 'ndjson'],
    ['hosts.txt', '\n  {"name":"web01"}', 'ndjson'],
    ['hosts.txt', 'name,ips\nweb01,10.0.0.1\n', 'csv'],
    ['hosts', '', 'csv'],
  ])('%s with content %j -> %s', (path, text, expected) => {
    expect(detectFormat(path, text)).toBe(expected);
  });
});

describe('CSV', () => {
  it('maps header columns to fields, with the line each row is on', () => {
    const parsed = parseServerFile(lines('name,ips,status', 'web01,10.0.0.1,working', 'web02,,standby'), 'csv');
    expect(parsed).toEqual({
      rows: [
        { line: 2, fields: { name: 'web01', ips: '10.0.0.1', status: 'working' } },
        { line: 3, fields: { name: 'web02', ips: '', status: 'standby' } },
      ],
      errors: [],
    });
  });

  it('counts lines past a quoted multi-line notes field and blank lines', () => {
    const text = lines(
      'name,notes,dc', //                1
      'web01,"first line', //            2
      'second line', //                  3
      'third line",tokyo1', //           4
      'web02,plain,osaka1', //           5
      '', //                             6
      'web03,"a, ""quoted"" comma",x', // 7
    );
    const parsed = parseServerFile(text, 'csv');
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [2, 'web01'],
      [5, 'web02'],
      [7, 'web03'],
    ]);
    expect(parsed.rows[0]!.fields.notes).toBe('first line\nsecond line\nthird line');
    expect(parsed.rows[2]!.fields.notes).toBe('a, "quoted" comma');
  });

  it('a row with too many fields is a row error on its own line; the rest go in', () => {
    const text = lines('name,dc', 'web01,tokyo1', 'web02,"multi', 'line"', 'web03,osaka1,extra', 'web04,tokyo1');
    const parsed = parseServerFile(text, 'csv');
    expect(parsed.errors).toEqual([{ line: 5, reason: '3 fields but the header has 2' }]);
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [2, 'web01'],
      [3, 'web02'],
      [6, 'web04'],
    ]);
  });

  it('a row with too few fields never shifts values into other columns', () => {
    const parsed = parseServerFile(lines('name,dc,rack', 'web01,tokyo1', 'web02,osaka1,r02'), 'csv');
    expect(parsed.rows.at(-1)).toEqual({ line: 3, fields: { name: 'web02', dc: 'osaka1', rack: 'r02' } });
    // The short row is either reported on its line or padded with empty values.
    const short = parsed.rows.find((r) => r.line === 2);
    if (short) expect(short.fields).toEqual({ name: 'web01', dc: 'tokyo1', rack: '' });
    else expect(parsed.errors).toEqual([{ line: 2, reason: '2 fields but the header has 3' }]);
  });

  it('header names are case-insensitive, values are trimmed, a BOM is ignored', () => {
    const parsed = parseServerFile('\uFEFFName , IPS\n web01 , 10.0.0.1 \n', 'csv');
    expect(parsed.rows).toEqual([{ line: 2, fields: { name: 'web01', ips: '10.0.0.1' } }]);
  });

  it('CRLF line endings give the same line numbers', () => {
    const parsed = parseServerFile('name,dc\r\nweb01,tokyo1\r\nweb02,osaka1\r\n', 'csv');
    expect(parsed.rows.map((r) => [r.line, r.fields.name, r.fields.dc])).toEqual([
      [2, 'web01', 'tokyo1'],
      [3, 'web02', 'osaka1'],
    ]);
  });

  it('CRLF inside a quoted multi-line field counts as one line break', () => {
    // Excel writes CRLF everywhere, including inside quoted notes.
    const text = 'name,notes\r\nweb01,"line one\r\nline two\r\nline three"\r\nweb02,x\r\nweb03,y,z\r\n';
    const parsed = parseServerFile(text, 'csv');
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [2, 'web01'],
      [5, 'web02'],
    ]);
    expect(parsed.errors).toEqual([{ line: 6, reason: '3 fields but the header has 2' }]);
    expect(String(parsed.rows[0]!.fields.notes).split(/\r?\n/)).toEqual(['line one', 'line two', 'line three']);
  });

  it('blank lines before the header still count', () => {
    expect(parseServerFile('\n\nname\nweb01\n', 'csv').rows).toEqual([{ line: 4, fields: { name: 'web01' } }]);
  });

  it('a file without a trailing newline keeps its last row', () => {
    expect(parseServerFile('name\nweb01\nweb02', 'csv').rows.map((r) => r.line)).toEqual([2, 3]);
  });

  it('an empty file or a header alone has no rows', () => {
    expect(parseServerFile('', 'csv')).toEqual({ rows: [], errors: [] });
    expect(parseServerFile('name,ips\n', 'csv')).toEqual({ rows: [], errors: [] });
  });

  it.each<[string, string, RegExp]>([
    ['one unknown column', lines('name,colour', 'web01,red'), /^line 1: unknown column 'colour' \(columns: name, fqdn,/],
    ['several unknown columns', lines('name,ip,host'), /^line 1: unknown columns 'ip', 'host'/],
    ['no name column', lines('fqdn,ips', 'web01.example.net,10.0.0.1'), /^line 1: the header has no 'name' column/],
    ['a column twice', lines('name,dc,DC'), /^line 1: column 'dc' appears twice/],
  ])('%s is a UserError', (_name, text, message) => {
    expect(userErrorOf(() => parseServerFile(text, 'csv')).message).toMatch(message);
  });
});

describe('CSV with broken quoting', () => {
  it('an unterminated quote is reported (as a file error or on its line), and the row is not imported', () => {
    let parsed: ReturnType<typeof parseServerFile> | null = null;
    try {
      parsed = parseServerFile(lines('name,notes', 'web01,ok', 'web02,"never closed', 'web03,x'), 'csv');
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/CSV/);
      return;
    }
    expect(parsed.rows.map((r) => r.fields.name)).not.toContain('web02');
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]!.line).toBe(3);
    expect(parsed.errors[0]!.reason).toMatch(/CSV|quote/i);
  });
});

describe('NDJSON', () => {
  it('one object per line, with line numbers counting blank lines', () => {
    const text = lines('{"name":"web01","ips":["10.0.0.1"]}', '', '  {"name":"web02"}  ', '{"name":"web03","cpu":16}');
    expect(parseServerFile(text, 'ndjson')).toEqual({
      rows: [
        { line: 1, fields: { name: 'web01', ips: ['10.0.0.1'] } },
        { line: 3, fields: { name: 'web02' } },
        { line: 4, fields: { name: 'web03', cpu: 16 } },
      ],
      errors: [],
    });
  });

  it('bad lines are row errors with their line numbers; good lines still parse', () => {
    const text = lines('{"name":"web01"}', '{"name": "web02",', '[{"name":"web03"}]', 'null', '42', '"web04"', '{"name":"web05"}');
    const parsed = parseServerFile(text, 'ndjson');
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [1, 'web01'],
      [7, 'web05'],
    ]);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(parsed.errors[0]!.reason).toMatch(/^not valid JSON: /);
    for (const e of parsed.errors.slice(1)) expect(e.reason).toBe('expected a JSON object');
  });

  it('CRLF line endings', () => {
    const parsed = parseServerFile('{"name":"web01"}\r\n\r\n{"name":"web02"}\r\n', 'ndjson');
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [1, 'web01'],
      [3, 'web02'],
    ]);
    expect(parsed.errors).toEqual([]);
  });
});

describe('JSON array', () => {
  it('gives each element the line it starts on', () => {
    const text = [
      '[', //                                    1
      '  {"name": "web01"},', //                 2
      '', //                                     3
      '  {"name": "web02", "notes": "a ] } [ { \\" ,"}, {"name": "web03"},', // 4
      '  {', //                                  5
      '    "name": "web04",', //                 6
      '    "tags": ["a", "b"],', //              7
      '    "x": {"y": [1, {"z": 2}]}', //        8
      '  }', //                                  9
      '  ,', //                                  10
      '  {"name": "web05"}', //                  11
      ']',
    ].join('\n');
    const parsed = parseServerFile(text, 'json');
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [2, 'web01'],
      [4, 'web02'],
      [4, 'web03'],
      [5, 'web04'],
      [11, 'web05'],
    ]);
    expect(parsed.rows[1]!.fields.notes).toBe('a ] } [ { " ,');
  });

  it('an element on the first line', () => {
    expect(parseServerFile('[{"name":"web01"},\n{"name":"web02"}]', 'json').rows.map((r) => r.line)).toEqual([1, 2]);
  });

  it('elements that are not objects are row errors on their own lines', () => {
    const text = ['[', '  {"name": "web01"},', '  "web02",', '  [1, 2],', '  null,', '  7,', '  {"name": "web03"}', ']'].join('\n');
    const parsed = parseServerFile(text, 'json');
    expect(parsed.rows.map((r) => [r.line, r.fields.name])).toEqual([
      [2, 'web01'],
      [7, 'web03'],
    ]);
    expect(parsed.errors).toEqual([3, 4, 5, 6].map((line) => ({ line, reason: 'expected a JSON object' })));
  });

  it('an empty array has no rows', () => {
    expect(parseServerFile('[ ]', 'json')).toEqual({ rows: [], errors: [] });
  });

  it.each<[string, string, RegExp]>([
    ['an object', '{"name": "web01"}', /must be an array of objects \(or use NDJSON/],
    ['a string', '"web01"', /must be an array of objects/],
    ['null', 'null', /must be an array of objects/],
    ['broken JSON', '[{"name": "web01"},', /^not valid JSON: /],
    ['empty', '', /^not valid JSON: /],
  ])('%s is a UserError', (_name, text, message) => {
    expect(userErrorOf(() => parseServerFile(text, 'json')).message).toMatch(message);
  });
});

describe('CSV lines with only blanks', () => {
  it('are not rows, and later line numbers stay right', () => {
    const r = parseServerFile('name,ips\n   \n,\nweb01,10.0.0.1\n', 'csv');
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([{ line: 4, fields: { name: 'web01', ips: '10.0.0.1' } }]);
  });
});
