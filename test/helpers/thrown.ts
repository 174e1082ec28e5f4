import { expect } from 'vitest';

/** The error of the given class that `f` throws; fails the test when it returns or throws something else. */
export function thrownBy<E extends Error>(kind: new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a ${kind.name}, nothing was thrown`);
}

/** The error of the given class that `p` rejects with; fails the test when it resolves or rejects with something else. */
export async function rejectedBy<E extends Error>(kind: new (...args: never[]) => E, p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a ${kind.name}, the promise resolved`);
}
