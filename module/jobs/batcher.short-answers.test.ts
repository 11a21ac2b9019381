import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

describe('a batcher whose call answers fewer items than it was given', () => {
  it('fails every item of that batch, saying how many were answered, rather than leave one waiting forever', async () => {
    const short = new Batcher<number, number>(async (items) => items.slice(1));
    const results = await Promise.allSettled([short.submit(1), short.submit(2), short.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.message)).toEqual(Array(3).fill('batch answered 2 of 3 items'));
  });
});
