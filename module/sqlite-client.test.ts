import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex } from './database.ts';

// The SQLite client's own behaviour, on a SQLite file of its own whichever engine the suite runs on.
let dir: string;
let knex: Knex;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-sqlite-client-'));
  knex = createKnex({ engine: 'sqlite', filename: path.join(dir, 'db.sqlite') });
});
afterEach(async () => {
  await knex.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SQLite client', () => {
  it('gives timers a turn during a long transaction instead of holding them until it commits', async () => {
    await knex.raw('create table rows (id integer primary key, body text not null)');
    const events: string[] = [];
    let statements = 0;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        events.push(`timer after ${statements} statements`);
        resolve();
      }, 1),
    );
    const started = performance.now();
    await knex.transaction(async (trx) => {
      // Well over the slice: a few thousand statements take tens of milliseconds.
      for (let i = 0; i < 3_000; i++) {
        await trx('rows').insert({ body: `row ${i}` });
        statements++;
      }
    });
    events.push('committed');
    await timer;
    const took = performance.now() - started;
    expect(took).toBeGreaterThan(10);
    expect(events[0]).toMatch(/^timer after \d+ statements$/);
    // The timer was due after 1 ms; it ran within the first slices, long before the commit.
    expect(Number(/\d+/.exec(events[0]!)![0])).toBeLessThan(1_500);
    expect(Number((await knex('rows').count({ n: '*' }))[0]!.n)).toBe(3_000);
  });
});
