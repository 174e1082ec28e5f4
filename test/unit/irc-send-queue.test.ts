import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SendQueue, type LineWriter } from '../../src/adapters/irc/send-queue.js';

/** The queue's clock is the faked Date, so it moves exactly with vi.advanceTimersByTime. */
const now = () => Date.now();

interface Written {
  line: string;
  at: number;
}

/** A writer that takes every line at once and calls back synchronously. */
function recorder() {
  const written: Written[] = [];
  const writer: LineWriter = (line, done) => {
    written.push({ line, at: now() });
    done();
    return true;
  };
  return { written, writer, lines: () => written.map((w) => w.line) };
}

/** Observes a promise's state without awaiting it. */
function track(p: Promise<void>) {
  const s: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (s.state = 'resolved'),
    (e: unknown) => {
      s.state = 'rejected';
      s.error = e;
    },
  );
  return s;
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SendQueue: token bucket', () => {
  it.each<[number, number, number, number[]]>([
    // burst, rate/s, lines, expected write times (ms after start)
    [3, 2, 7, [0, 0, 0, 500, 1000, 1500, 2000]],
    [1, 1, 4, [0, 1000, 2000, 3000]],
    [5, 4, 8, [0, 0, 0, 0, 0, 250, 500, 750]],
    [2, 10, 5, [0, 0, 100, 200, 300]],
    [4, 1, 3, [0, 0, 0]],
  ])('burst %i, rate %i/s, %i lines: burst at once, then the rate', (burst, rate, n, expected) => {
    const start = now();
    const q = new SendQueue({ burst, rate, now });
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', lines('l', n));
    vi.advanceTimersByTime(60_000);
    expect(r.lines()).toEqual(lines('l', n));
    expect(r.written.map((w) => w.at - start)).toEqual(expected);
  });

  it('nothing goes out between two rate slots', () => {
    const q = new SendQueue({ burst: 2, rate: 2, now });
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', lines('l', 5));
    expect(r.written).toHaveLength(2);
    vi.advanceTimersByTime(499);
    expect(r.written).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(r.written).toHaveLength(3);
    vi.advanceTimersByTime(499);
    expect(r.written).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(r.written).toHaveLength(4);
  });

  it('a quiet spell refills the bucket up to burst, not beyond', () => {
    const q = new SendQueue({ burst: 3, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', lines('a', 3));
    expect(r.written).toHaveLength(3);
    vi.advanceTimersByTime(60_000); // would be 60 tokens without the cap
    void q.enqueue('#a', lines('b', 5));
    expect(r.lines().slice(3)).toEqual(['b1', 'b2', 'b3']);
    vi.advanceTimersByTime(999);
    expect(r.written).toHaveLength(6);
    vi.advanceTimersByTime(1);
    expect(r.written).toHaveLength(7);
  });

  it.each<[string, number, number, number, number[]]>([
    // name, tokens spent before enqueueing, delay before spend, lines, expected write times
    ['spend 2 of 3', 2, 0, 3, [0, 1000, 2000]],
    ['spend all 3', 3, 0, 2, [1000, 2000]],
    ['spend beyond the bucket (goes negative)', 5, 0, 1, [3000]],
    ['spend after a quiet spell counts against the refilled bucket', 1, 10_000, 3, [10_000, 10_000, 11_000]],
  ])('spend: lines the library wrote count against the bucket (%s)', (_name, spent, delay, n, expected) => {
    const start = now();
    const q = new SendQueue({ burst: 3, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    if (delay > 0) {
      // Drain the bucket first so that the refill over `delay` matters.
      void q.enqueue('#x', lines('x', 3));
      vi.advanceTimersByTime(delay);
      r.written.length = 0;
    }
    q.spend(spent);
    void q.enqueue('#a', lines('l', n));
    vi.advanceTimersByTime(60_000);
    expect(r.written.map((w) => w.at - start)).toEqual(expected);
  });

  it('spend() defaults to one line', () => {
    const start = now();
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    q.spend();
    void q.enqueue('#a', ['l1']);
    expect(r.written).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(r.written.map((w) => w.at - start)).toEqual([1000]);
  });
});

describe('SendQueue: promises', () => {
  it('resolves only once the last line of the message was written', async () => {
    const q = new SendQueue({ burst: 2, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    const s = track(q.enqueue('#a', lines('l', 4)));
    await flush();
    expect(r.written).toHaveLength(2);
    expect(s.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1999);
    expect(r.written).toHaveLength(3);
    expect(s.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(r.written).toHaveLength(4);
    expect(s.state).toBe('resolved');
  });

  it('waits for the socket to take the last line (asynchronous callback)', async () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    const callbacks: ((err?: Error | null) => void)[] = [];
    q.setWriter((_line, done) => {
      callbacks.push(done);
      return true;
    });
    const s = track(q.enqueue('#a', lines('l', 3)));
    expect(callbacks).toHaveLength(3);
    callbacks[0]!();
    callbacks[1]!();
    await flush();
    expect(s.state).toBe('pending');
    callbacks[2]!();
    await flush();
    expect(s.state).toBe('resolved');
  });

  it('rejects when the socket reports an error for the last line', async () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    const boom = new Error('EPIPE');
    q.setWriter((line, done) => {
      done(line === 'l2' ? boom : null);
      return true;
    });
    const s = track(q.enqueue('#a', ['l1', 'l2']));
    await flush();
    expect(s).toEqual({ state: 'rejected', error: boom });
  });

  it('an empty message resolves at once and writes nothing', async () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    await expect(q.enqueue('#a', [])).resolves.toBeUndefined();
    expect(r.written).toHaveLength(0);
    expect(q.depth()).toBe(0);
  });

  it('each message settles on its own last line', async () => {
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    const m1 = track(q.enqueue('#a', ['m1a', 'm1b']));
    const m2 = track(q.enqueue('#a', ['m2a']));
    await flush();
    expect([m1.state, m2.state]).toEqual(['pending', 'pending']);
    await vi.advanceTimersByTimeAsync(1000);
    expect([m1.state, m2.state]).toEqual(['resolved', 'pending']);
    await vi.advanceTimersByTimeAsync(1000);
    expect([m1.state, m2.state]).toEqual(['resolved', 'resolved']);
  });
});

describe('SendQueue: order', () => {
  /** Enqueues with no writer, then opens the gate with a big burst: the order is the queue's choice alone. */
  function orderOf(build: (q: SendQueue) => void): string[] {
    const q = new SendQueue({ burst: 1000, rate: 1, now });
    build(q);
    const r = recorder();
    q.setWriter(r.writer);
    return r.lines();
  }

  it.each<[string, (q: SendQueue) => void, string[]]>([
    [
      '10 lines for #a then 2 for #b take turns',
      (q) => {
        void q.enqueue('#a', lines('a', 10));
        void q.enqueue('#b', lines('b', 2));
      },
      ['a1', 'b1', 'a2', 'b2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'],
    ],
    [
      'three targets round robin',
      (q) => {
        void q.enqueue('#a', lines('a', 3));
        void q.enqueue('#b', lines('b', 1));
        void q.enqueue('#c', lines('c', 2));
      },
      ['a1', 'b1', 'c1', 'a2', 'c2', 'a3'],
    ],
    [
      'two messages for one target stay in order',
      (q) => {
        void q.enqueue('#a', ['m1a', 'm1b']);
        void q.enqueue('#b', ['x']);
        void q.enqueue('#a', ['m2a']);
      },
      ['m1a', 'x', 'm1b', 'm2a'],
    ],
    [
      'urgent lines jump ahead of routine lines of any target',
      (q) => {
        void q.enqueue('#a', lines('a', 3));
        void q.enqueue('#b', lines('b', 3));
        void q.enqueue('#c', ['u1', 'u2'], true);
        void q.enqueue('#a', ['u3'], true);
      },
      ['u1', 'u2', 'u3', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3'],
    ],
  ])('%s', (_name, build, expected) => {
    expect(orderOf(build)).toEqual(expected);
  });

  it('fairness while throttled: #b does not wait behind all of #a', () => {
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', lines('a', 10));
    void q.enqueue('#b', lines('b', 2));
    vi.advanceTimersByTime(60_000);
    const order = r.lines();
    expect(order).toHaveLength(12);
    // a1 was already on its way; then the two targets alternate.
    expect(order.slice(0, 6)).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'a4']);
  });

  it('an urgent line enqueued while throttled goes out in the next slot', () => {
    const start = now();
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', lines('a', 5));
    void q.enqueue('#b', lines('b', 5));
    vi.advanceTimersByTime(500);
    void q.enqueue('#ops', ['URGENT'], true);
    vi.advanceTimersByTime(500);
    expect(r.written.map((w) => [w.line, w.at - start])).toEqual([
      ['a1', 0],
      ['URGENT', 1000],
    ]);
  });
});

describe('SendQueue: hold, pause, refusal, failure', () => {
  it('hold keeps a target (any case) until release while others flow', async () => {
    const q = new SendQueue({ burst: 100, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    q.hold('#Ops');
    const held = track(q.enqueue('#ops', ['o1', 'o2']));
    const heldUrgent = track(q.enqueue('#OPS', ['ou'], true));
    const free = track(q.enqueue('#dev', ['d1', 'd2']));
    await flush();
    expect(r.lines()).toEqual(['d1', 'd2']);
    expect(q.depth()).toBe(3);
    expect([held.state, heldUrgent.state, free.state]).toEqual(['pending', 'pending', 'resolved']);
    vi.advanceTimersByTime(60_000);
    expect(r.lines()).toEqual(['d1', 'd2']);
    q.release('#OPS');
    await flush();
    expect(r.lines()).toEqual(['d1', 'd2', 'ou', 'o1', 'o2']);
    expect([held.state, heldUrgent.state]).toEqual(['resolved', 'resolved']);
    expect(q.depth()).toBe(0);
  });

  it('release lets each held target go', () => {
    const q = new SendQueue({ burst: 100, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    q.hold('#a');
    q.hold('#b');
    void q.enqueue('#a', ['a1']);
    void q.enqueue('#b', ['b1']);
    expect(r.written).toHaveLength(0);
    q.release('#a');
    q.release('#b');
    expect(r.lines()).toEqual(['a1', 'b1']);
  });

  it('held lines do not use up the rate of other targets', () => {
    const start = now();
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    q.hold('#a');
    void q.enqueue('#a', lines('a', 5));
    void q.enqueue('#b', lines('b', 3));
    vi.advanceTimersByTime(10_000);
    expect(r.written.map((w) => [w.line, w.at - start])).toEqual([
      ['b1', 0],
      ['b2', 1000],
      ['b3', 2000],
    ]);
  });

  it('setWriter(null) pauses everything; a new writer resumes in the same order', () => {
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const first = recorder();
    q.setWriter(first.writer);
    void q.enqueue('#a', lines('a', 3));
    void q.enqueue('#b', lines('b', 2));
    expect(first.lines()).toEqual(['a1']);
    vi.advanceTimersByTime(500);
    q.setWriter(null);
    vi.advanceTimersByTime(10_000);
    expect(first.lines()).toEqual(['a1']);
    expect(q.depth()).toBe(4);
    const second = recorder();
    q.setWriter(second.writer);
    vi.advanceTimersByTime(10_000);
    expect(first.lines()).toEqual(['a1']);
    expect(second.lines()).toEqual(['a2', 'b1', 'a3', 'b2']);
  });

  it('lines enqueued while paused wait, then follow the usual order', () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    void q.enqueue('#a', ['a1', 'a2']);
    void q.enqueue('#b', ['u'], true);
    vi.advanceTimersByTime(5_000);
    expect(q.depth()).toBe(3);
    const r = recorder();
    q.setWriter(r.writer);
    expect(r.lines()).toEqual(['u', 'a1', 'a2']);
  });

  it.each<[string, boolean]>([
    ['routine', false],
    ['urgent', true],
  ])('a writer returning false puts the %s line back at the front and pauses', (_name, urgent) => {
    const start = now();
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const refused: string[] = [];
    q.setWriter((line) => {
      refused.push(line);
      return false;
    });
    void q.enqueue('#a', ['l1', 'l2', 'l3'], urgent);
    expect(refused).toEqual(['l1']);
    expect(q.depth()).toBe(3);
    // A writer back at the same instant: the refused attempt cost no token, l1 goes out at once.
    const r = recorder();
    q.setWriter(r.writer);
    vi.advanceTimersByTime(10_000);
    expect(r.lines()).toEqual(['l1', 'l2', 'l3']);
    expect(r.written.map((w) => w.at - start)).toEqual([0, 1000, 2000]);
    expect(refused).toEqual(['l1']);
  });

  it('after a refusal the queue stops calling the dead writer', () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    const refused: string[] = [];
    q.setWriter((line) => {
      refused.push(line);
      return false;
    });
    void q.enqueue('#a', ['l1', 'l2', 'l3']);
    void q.enqueue('#a', ['l4']);
    vi.advanceTimersByTime(10_000);
    expect(refused).toEqual(['l1']);
    expect(q.depth()).toBe(4);
  });

  it('a refused line keeps its place among the lines of its target', () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    void q.enqueue('#a', ['a1', 'a2']);
    void q.enqueue('#b', ['b1', 'b2']);
    void q.enqueue('#c', ['u1'], true);
    let calls = 0;
    q.setWriter(() => {
      calls++;
      return false;
    });
    expect(calls).toBe(1);
    const r = recorder();
    q.setWriter(r.writer);
    const order = r.lines();
    expect(order[0]).toBe('u1');
    expect(order.filter((l) => l.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(order.filter((l) => l.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(order).toHaveLength(5);
  });

  it('failAll rejects every waiting message and empties the queue', async () => {
    const q = new SendQueue({ burst: 1, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    const partly = track(q.enqueue('#a', ['a1', 'a2']));
    const waiting = track(q.enqueue('#b', ['b1']));
    const urgent = track(q.enqueue('#c', ['u1'], true));
    q.hold('#d');
    const held = track(q.enqueue('#d', ['d1']));
    await flush();
    expect(r.lines()).toEqual(['a1']);
    const stop = new Error('stopping');
    q.failAll(stop);
    await flush();
    for (const s of [partly, waiting, urgent, held]) expect(s).toEqual({ state: 'rejected', error: stop });
    expect(q.depth()).toBe(0);
    // The pending timer is gone and nothing is left to write.
    vi.advanceTimersByTime(60_000);
    q.release('#d');
    expect(r.lines()).toEqual(['a1']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('failAll does not touch messages already written', async () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    const r = recorder();
    q.setWriter(r.writer);
    const done = track(q.enqueue('#a', ['a1']));
    await flush();
    q.failAll(new Error('stopping'));
    await flush();
    expect(done.state).toBe('resolved');
  });

  it('the queue works again after failAll', () => {
    const q = new SendQueue({ burst: 10, rate: 1, now });
    void q.enqueue('#a', ['a1']).catch(() => undefined);
    q.failAll(new Error('stopping'));
    const r = recorder();
    q.setWriter(r.writer);
    void q.enqueue('#a', ['a2']);
    expect(r.lines()).toEqual(['a2']);
  });
});

describe('SendQueue: depth', () => {
  it('counts waiting lines of every kind and drops as they are written', () => {
    const q = new SendQueue({ burst: 2, rate: 1, now });
    expect(q.depth()).toBe(0);
    void q.enqueue('#a', lines('a', 3));
    void q.enqueue('#b', lines('b', 2), true);
    q.hold('#c');
    void q.enqueue('#c', ['c1']);
    expect(q.depth()).toBe(6);
    const r = recorder();
    q.setWriter(r.writer);
    expect(q.depth()).toBe(4);
    vi.advanceTimersByTime(1000);
    expect(q.depth()).toBe(3);
    vi.advanceTimersByTime(60_000);
    expect(q.depth()).toBe(1); // the held line
    q.release('#c');
    vi.advanceTimersByTime(1000);
    expect(q.depth()).toBe(0);
  });
});

describe('SendQueue: 1,000 lines at once', () => {
  it.each<[number, number]>([
    [5, 4],
    [1, 1],
    [10, 2.5],
    [3, 7],
  ])('burst %i, rate %i/s: all written, in order per target, never above burst + rate × elapsed', async (burst, rate) => {
    const start = now();
    const q = new SendQueue({ burst, rate, now });
    const r = recorder();
    q.setWriter(r.writer);
    const targets = ['#a', '#b', '#c', 'nick'];
    const sent = new Map<string, string[]>(targets.map((t) => [t, []]));
    const settled: ReturnType<typeof track>[] = [];
    let total = 0;
    for (let k = 0; total < 1000; k++) {
      const t = targets[(k * 7) % targets.length]!;
      const urgent = k % 17 === 0;
      // Urgent lines jump routine ones, so order is checked per target and kind.
      const key = t + (urgent ? '!' : '');
      const n = Math.min(1 + ((k * 13) % 9), 1000 - total);
      const msg = Array.from({ length: n }, (_, i) => `${key}:${total + i}`);
      if (!sent.has(key)) sent.set(key, []);
      sent.get(key)!.push(...msg);
      settled.push(track(q.enqueue(t, msg, urgent)));
      total += n;
    }
    expect(q.depth()).toBe(1000 - burst);

    const expectedEnd = ((1000 - burst) / rate) * 1000;
    await vi.advanceTimersByTimeAsync(expectedEnd + 1000);

    expect(r.written).toHaveLength(1000);
    expect(q.depth()).toBe(0);
    expect(settled.every((s) => s.state === 'resolved')).toBe(true);
    expect(sent.size).toBeGreaterThan(targets.length);
    for (const [key, expected] of sent) {
      expect(r.lines().filter((l) => l.startsWith(key + ':'))).toEqual(expected);
    }
    r.written.forEach((w, i) => {
      const elapsed = w.at - start;
      expect(i + 1, `line ${i} at ${elapsed} ms`).toBeLessThanOrEqual(burst + (rate * elapsed) / 1000 + 1e-9);
    });
    // And not much slower than the bucket allows: a few ms of rounding per line at most.
    const last = r.written[999]!.at - start;
    expect(last).toBeGreaterThanOrEqual(expectedEnd - 1);
    expect(last).toBeLessThanOrEqual(expectedEnd + 1000);
  });
});

describe('SendQueue: a refused line keeps its place', () => {
  it('goes out first, before the other target, once the writer is back', () => {
    const q = new SendQueue({ burst: 10, rate: 10, now: () => 0 });
    const out: string[] = [];
    let refuse = true;
    const writer: LineWriter = (line, done) => {
      if (refuse) return false;
      out.push(line);
      done();
      return true;
    };
    void q.enqueue('#a', ['a1', 'a2']);
    void q.enqueue('#b', ['b1', 'b2']);
    q.setWriter(writer);
    refuse = false;
    q.setWriter(writer);
    expect(out).toEqual(['a1', 'b1', 'a2', 'b2']);
  });
});

describe('SendQueue: confirmation and a lost connection', () => {
  it('resolves a message only when the writer confirms its last line (an echo, not the socket)', async () => {
    const q = new SendQueue({ burst: 10, rate: 10, now: () => 0 });
    const confirms: ((err?: Error | null) => void)[] = [];
    q.setWriter((_line, confirmed) => {
      confirms.push(confirmed);
      return true;
    });
    let settled = false;
    const p = q.enqueue('#a', ['a1', 'a2']).then(() => (settled = true));
    await Promise.resolve();
    expect(confirms).toHaveLength(2);
    confirms[0]!();
    await Promise.resolve();
    expect(settled).toBe(false);
    confirms[1]!();
    await p;
    expect(settled).toBe(true);
  });

  it('fails messages written but unconfirmed when the connection is lost, keeps the ones not started', async () => {
    const q = new SendQueue({ burst: 2, rate: 1 });
    const written: string[] = [];
    q.setWriter((line) => {
      written.push(line);
      return true;
    });
    const started = q.enqueue('#a', ['a1', 'a2', 'a3']).then(() => 'ok', (e: Error) => e.message);
    const notStarted = q.enqueue('#a', ['b1']).then(() => 'ok', (e: Error) => e.message);
    await Promise.resolve();
    expect(written).toEqual(['a1', 'a2']);
    q.connectionLost(new Error('connection reset'));
    expect(await started).toBe('connection reset');
    // The unsent third line of the failed message is dropped: the outbox resends the whole message.
    const again: string[] = [];
    const q2writer = (line: string, confirmed: (err?: Error | null) => void) => {
      again.push(line);
      confirmed();
      return true;
    };
    q.setWriter(q2writer);
    vi.advanceTimersByTime(2_000);
    expect(await notStarted).toBe('ok');
    expect(again).toEqual(['b1']);
  });
});
