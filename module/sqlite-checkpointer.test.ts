import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKnex } from './database.ts';
import { BACKSTOP_PAGES, COMMITS_PER_CHECKPOINT, WalCheckpointer } from './sqlite-checkpointer.ts';
import { walCheckpointerOf } from './sqlite-client.ts';

// The checkpointer belongs to the SQLite client, so these tests open SQLite files of their own
// whichever engine the suite runs on.
const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-checkpoint-'));
  dirs.push(dir);
  return path.join(dir, 'db.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function commitBlobs(knex: ReturnType<typeof createKnex>, transactions: number): Promise<void> {
  await knex.raw('create table if not exists blobs (id integer primary key, body blob not null)');
  for (let i = 0; i < transactions; i++) {
    // Four 4 KB rows: five or more pages of log per commit.
    await knex.transaction(async (trx) => {
      for (let r = 0; r < 4; r++) await trx.raw('insert into blobs (body) values (randomblob(4096))');
    });
    // A server turns its event loop between commits; the thread's answers arrive on those turns.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('background WAL checkpoints (SQLite)', () => {
  it('copy the log into the file on their own thread while the writer commits, keeping every row', async () => {
    const file = tempFile();
    const knex = createKnex({ engine: 'sqlite', filename: file });
    try {
      // 1,200 commits of 5+ pages: 6,000+ pages, past the writer's own backstop at 4,000.
      await commitBlobs(knex, 1_200);
      const stats = (await walCheckpointerOf(knex))!.snapshot();
      expect(stats.failure).toBeUndefined();
      expect(stats.running).toBe(true);
      expect(stats.runs).toBeGreaterThan(5);
      expect((await knex.raw('pragma wal_autocheckpoint'))[0].wal_autocheckpoint).toBe(BACKSTOP_PAGES);
      // The log starts over at the writer's backstop (the thread has copied nearly all of it by
      // then): it never holds what the writes amount to.
      expect(fs.statSync(`${file}-wal`).size).toBeLessThan((BACKSTOP_PAGES + 500) * 4_120);
    } finally {
      await knex.destroy();
    }
    const reopened = createKnex({ engine: 'sqlite', filename: file });
    try {
      expect(Number((await reopened('blobs').count({ n: '*' }))[0]!.n)).toBe(4_800);
    } finally {
      await reopened.destroy();
    }
  });

  it('starts no thread for a connection that has committed little', async () => {
    const knex = createKnex({ engine: 'sqlite', filename: tempFile() });
    try {
      await commitBlobs(knex, COMMITS_PER_CHECKPOINT - 2);
      expect((await walCheckpointerOf(knex))!.snapshot()).toMatchObject({ runs: 0, running: false });
    } finally {
      await knex.destroy();
    }
  });

  it('ends its thread when the connection closes', async () => {
    const knex = createKnex({ engine: 'sqlite', filename: tempFile() });
    await commitBlobs(knex, 3 * COMMITS_PER_CHECKPOINT);
    const checkpointer = (await walCheckpointerOf(knex))!;
    expect(checkpointer.snapshot().running).toBe(true);
    await knex.destroy();
    expect(checkpointer.snapshot().running).toBe(false);
  });

  it('hands checkpointing back to the writer when its thread cannot open the database', async () => {
    let restored = 0;
    const checkpointer = new WalCheckpointer(path.join(tempFile(), 'missing.sqlite'), () => restored++);
    for (let i = 0; i < COMMITS_PER_CHECKPOINT; i++) checkpointer.committed();
    await expect.poll(() => checkpointer.snapshot().failure, { timeout: 5_000 }).toMatch(/directory does not exist|unable to open/i);
    expect(restored).toBe(1);
    await expect.poll(() => checkpointer.snapshot().running).toBe(false);
    // Later commits no longer ask the thread for anything.
    for (let i = 0; i < 3 * COMMITS_PER_CHECKPOINT; i++) checkpointer.committed();
    expect(checkpointer.snapshot()).toMatchObject({ runs: 0, running: false });
    expect(restored).toBe(1);
    await checkpointer.close();
  });
});
