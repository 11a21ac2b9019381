import { afterEach, describe, expect, it } from 'vitest';
import { createMigratedDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { SandboxReads } from './sandbox.reads.ts';
import { DOMAINS, TRANSFERS } from './sandbox.transfers.ts';

let db: TestDatabase | undefined;

afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

/** Counts the statements run against `table` while `work` runs. */
async function statementsOn(table: string, work: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const count = (q: { sql: string }) => {
    if (q.sql.includes(`\`${table}\``)) n++;
  };
  db!.knex.on('query', count);
  try {
    await work();
  } finally {
    db!.knex.off('query', count);
  }
  return n;
}

async function seed() {
  db = await createMigratedDatabase();
  const now = Date.now();
  const domain = (name: string) => ({ name, sponsor: 'other', statuses: 'ok', registrant_email: null, auth_code_hash: null, expires_at: now, created_at: now, updated_at: now });
  await db.knex(DOMAINS).insert(['a.com', 'b.com', 'c.com'].map(domain));
  const ids = Object.fromEntries((await db.knex(DOMAINS).select('id', 'name')).map((r: { id: number; name: string }) => [r.name, Number(r.id)]));
  const transfer = (name: string, gaining: string, status: string) => ({ domain_id: ids[name], domain: name, gaining_registrar: gaining, losing_registrar: 'other', status, period_years: 1, requested_at: now, action_date: now });
  // a.com: an old rejected transfer to us, then a pending one; one to someone else after both.
  await db.knex(TRANSFERS).insert(transfer('a.com', 'us', 'rejected'));
  await db.knex(TRANSFERS).insert(transfer('a.com', 'us', 'pending'));
  await db.knex(TRANSFERS).insert(transfer('a.com', 'rival', 'pending'));
  const transfers: Array<{ id: number; gaining_registrar: string; status: string }> = await db.knex(TRANSFERS).orderBy('id').select('id', 'gaining_registrar', 'status');
  return { reads: new SandboxReads(db.knex), transfers: transfers.map((t) => ({ ...t, id: Number(t.id) })) };
}

describe('the sandbox registry answers lookups that arrive together with one read', () => {
  it('reads many domains at once, each caller getting its own row or nothing', async () => {
    const { reads } = await seed();
    let rows: unknown[] = [];
    const statements = await statementsOn(DOMAINS, async () => {
      rows = await Promise.all(['a.com', 'c.com', 'missing.com', 'a.com'].map((name) => reads.domain(name)));
    });
    expect(statements).toBe(1);
    expect(rows.map((r) => (r as { name: string } | undefined)?.name)).toEqual(['a.com', 'c.com', undefined, 'a.com']);
    expect(rows[0]).toMatchObject({ sponsor: 'other', expires_at: expect.any(Number), id: expect.any(Number) });
  });

  it('finds the latest transfer to the registrar asking, or the one its reference names', async () => {
    const { reads, transfers } = await seed();
    const [rejected, pending, rival] = transfers;
    let found: unknown[] = [];
    const statements = await statementsOn(TRANSFERS, async () => {
      found = await Promise.all([
        reads.transfer({ domain: 'a.com', gaining: 'us' }),
        reads.transfer({ domain: 'a.com', gaining: 'us', id: rejected!.id }),
        reads.transfer({ domain: 'a.com', gaining: 'rival' }),
        reads.transfer({ domain: 'a.com', gaining: 'us', id: rival!.id }),
        reads.transfer({ domain: 'b.com', gaining: 'us' }),
      ]);
    });
    expect(statements).toBe(1);
    expect(found.map((t) => (t as { id: number } | undefined)?.id)).toEqual([pending!.id, rejected!.id, rival!.id, undefined, undefined]);
  });

  it('sees what was written before it asked', async () => {
    const { reads } = await seed();
    expect((await reads.domain('b.com'))?.sponsor).toBe('other');
    await db!.knex(DOMAINS).where({ name: 'b.com' }).update({ sponsor: 'us' });
    expect((await reads.domain('b.com'))?.sponsor).toBe('us');
  });
});
