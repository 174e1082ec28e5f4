import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { hashIdArg, parseHashId } from '../../src/chat/args.js';
import { UsageError, type CommandAction } from '../../src/chat/command.js';
import { usageOf } from '../../src/chat/help.js';
import { parseId } from '../../src/http/board/pages/format.js';
import { thrownBy } from '../helpers/thrown.js';

describe('parseHashId', () => {
  it.each<[string, number | null]>([
    ['42', 42],
    ['#42', 42],
    ['0', 0],
    ['#000123', 123],
    ['999999999999', 999_999_999_999],
    ['9999999999999', null],
    ['', null],
    ['#', null],
    ['##42', null],
    ['42#', null],
    ['-1', null],
    ['1.5', null],
    ['12abc', null],
    [' 42', null],
  ])('%j → %j', (word, id) => {
    expect(parseHashId(word)).toBe(id);
  });

  it('is what the board reads from a path too, which also decodes %23 and wants a positive id', () => {
    expect(parseId('%2342')).toBe(42);
    expect(parseId(' #7 ')).toBe(7);
    expect(parseId('0')).toBeNull();
    expect(parseId('x')).toBeNull();
    expect(parseId(undefined)).toBeNull();
  });
});

describe('hashIdArg', () => {
  const thrown = (f: () => unknown) => thrownBy(UsageError, f);

  it('reads the id, and answers a missing or wrong word with a usage error saying what was wrong', () => {
    expect(hashIdArg('#12', 'a ticket number')).toBe(12);
    expect(thrown(() => hashIdArg(undefined, 'a ticket number', 'which ticket?')).problem).toBe('which ticket?');
    expect(thrown(() => hashIdArg('', 'an alert id')).problem).toBeUndefined();
    expect(thrown(() => hashIdArg('x', 'a maintenance id')).problem).toBe("'x' is not a maintenance id: use the number shown as #ID");
  });
});

describe('the command declarations', () => {
  const actions: [string, CommandAction<unknown>][] = commands.flatMap((c) => [
    [c.name, c] as [string, CommandAction<unknown>],
    ...Object.entries(c.subcommands ?? {}).map(([n, a]) => [`${c.name} ${n}`, a] as [string, CommandAction<unknown>]),
  ]);

  it.each(actions)('%s: its usage names every option and flag it declares', (_label, a) => {
    for (const [key, what] of Object.entries(a.options ?? {})) {
      // An alias (`priority: 'same as prio='`) is shown by the option it stands for.
      const shown = /^same as (\w+)=$/.exec(what)?.[1] ?? key;
      expect(a.usage).toContain(`${shown}=`);
    }
    for (const flag of Object.keys(a.flags ?? {})) expect(a.usage).toContain(`--${flag}`);
  });

  it('give the usage another reply points at', () => {
    expect(usageOf(commands, '!', 'ticket assign')).toBe('!ticket assign ID NAME');
    expect(usageOf(commands, '.', 'tickets')).toBe('.tickets [mine|@NAME|search WORDS…] [host=NAME] [status=STATUS] [--all] [--full]');
    expect(() => usageOf(commands, '!', 'ticket frobnicate')).toThrow(/no command 'ticket frobnicate'/);
  });
});
