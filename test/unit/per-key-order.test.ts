import { describe, expect, it } from 'vitest';
import { PerKeyOrder } from '../../src/chat/per-key-order.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PerKeyOrder', () => {
  it('runs one key in arrival order though an earlier task takes longer', async () => {
    const order = new PerKeyOrder(() => {});
    const done: string[] = [];
    await Promise.all([
      order.run('#ops', async () => {
        await sleep(30);
        done.push('first');
      }),
      order.run('#ops', () => {
        done.push('second');
      }),
      order.run('#ops', async () => {
        await sleep(5);
        done.push('third');
      }),
    ]);
    expect(done).toEqual(['first', 'second', 'third']);
  });

  it('lets other keys go ahead of a slow one', async () => {
    const order = new PerKeyOrder(() => {});
    const done: string[] = [];
    const slow = order.run('#ops', async () => {
      await sleep(30);
      done.push('#ops');
    });
    await order.run('#dev', () => {
      done.push('#dev');
    });
    expect(done).toEqual(['#dev']);
    await slow;
    expect(done).toEqual(['#dev', '#ops']);
  });

  it('reports a failed task with its key and goes on with the next', async () => {
    const errors: [unknown, string][] = [];
    const order = new PerKeyOrder((err, key) => errors.push([err, key]));
    const boom = new Error('boom');
    const done: string[] = [];
    const failed = order.run('#ops', async () => {
      throw boom;
    });
    const next = order.run('#ops', () => {
      done.push('after');
    });
    await expect(failed).resolves.toBeUndefined();
    await next;
    expect(errors).toEqual([[boom, '#ops']]);
    expect(done).toEqual(['after']);
  });

  it('starts a key afresh once its tasks are done', async () => {
    const order = new PerKeyOrder(() => {});
    const done: number[] = [];
    await order.run('#ops', () => {
      done.push(1);
    });
    await order.run('#ops', () => {
      done.push(2);
    });
    expect(done).toEqual([1, 2]);
  });
});
