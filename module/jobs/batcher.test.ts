import { describe, expect, it } from 'vitest';
import { Batcher, oneByOneOnFailure } from './batcher.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('a batcher', () => {
  it('hands items submitted in the same turn to one call, and each caller its own answer', async () => {
    const calls: number[][] = [];
    const doubles = new Batcher<number, number>(async (items) => {
      calls.push(items);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => doubles.submit(n)))).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('fails only the item answered with an Error', async () => {
    const checked = new Batcher<number, number>(async (items) => items.map((n) => (n < 0 ? new Error(`negative: ${n}`) : n)));
    const results = await Promise.allSettled([checked.submit(1), checked.submit(-1), checked.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('negative: -1');
  });

  it('fails every item of a batch whose call throws', async () => {
    const broken = new Batcher<number, number>(async () => {
      throw new Error('database went away');
    });
    const results = await Promise.allSettled([broken.submit(1), broken.submit(2)]);
    expect(results.every((r) => r.status === 'rejected' && r.reason.message === 'database went away')).toBe(true);
  });

  it('with one batch in flight, sends what arrived meanwhile together in the next', async () => {
    const calls: number[][] = [];
    const gate = deferred();
    const serial = new Batcher<number, void>(
      async (items) => {
        calls.push(items);
        if (calls.length === 1) await gate.promise;
        return items.map(() => undefined);
      },
      { maxInFlight: 1 },
    );
    const first = serial.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => serial.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(calls).toEqual([[1]]);
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('splits what waits into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const small = new Batcher<number, void>(
      async (items) => {
        sizes.push(items.length);
        return items.map(() => undefined);
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => small.submit(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});

describe('a batch write with a one-by-one fallback', () => {
  it('writes the items one by one when the batch fails, so only the bad one fails', async () => {
    const written: number[] = [];
    const write = oneByOneOnFailure<number>(
      async (items) => {
        if (items.includes(13)) throw new Error('the batch holds a bad item');
        written.push(...items);
      },
      async (item) => {
        if (item === 13) throw new Error('13 is refused');
        written.push(item);
      },
    );
    const results = await write([12, 13, 14]);
    expect(written).toEqual([12, 14]);
    expect(results[0]).toBeUndefined();
    expect((results[1] as Error).message).toBe('13 is refused');
    expect(results[2]).toBeUndefined();
  });
});
