import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createTransferWorld } from '../transfer-in/transfer-in.support.ts';
import { insertRows } from '../../module/database.ts';
import { domainListIndex, listDomains, namePrefix, parseDomainListQuery, queryText, type DomainListQuery } from '../../module/domains/domain-list.query.ts';
import { listJobs, parseJobListQuery } from '../../module/jobs/job-list.query.ts';
import { chooseIndex, fewRows } from '../../module/domains/list-plan.ts';
import { csvField } from '../../module/csv-field.ts';

const db = useMigratedDatabase();
const T0 = Date.parse('2026-05-01T00:00:00Z');

/** n domains with spread values: every 3rd pending (no expiry), every 5th on `epp`, every 7th failed. */
async function seedDomains(n: number, from = 0): Promise<void> {
  await insertRows(
    db.knex,
    'dt_domains',
    Array.from({ length: n }, (_, k) => {
      const i = from + k;
      return {
        domain: `d${String((i * 7919) % 100_000).padStart(5, '0')}-${i}.${i % 4 === 0 ? 'co.uk' : 'com'}`,
        client_id: String(100 + (i % 3)),
        registrar_id: i % 5 === 0 ? 'epp' : 'sandbox',
        status: i % 3 === 0 ? 'pending' : 'active',
        expiry_date: i % 3 === 0 ? null : T0 + (i % 11) * 86_400_000,
        failure_code: i % 7 === 0 ? 'auth_code_invalid' : null,
        status_changed_at: T0 - (i % 13) * 3_600_000,
        created_at: T0,
        updated_at: T0,
      };
    }),
  );
}

/** Every row of the list, page by page, following the cursors. */
async function walk(query: Partial<DomainListQuery>, between?: (page: number) => Promise<void>, limit = 25): Promise<string[]> {
  const base = { ...parseDomainListQuery({}), limit };
  const seen: string[] = [];
  let after: DomainListQuery['after'];
  for (let page = 0; ; page++) {
    const result = await listDomains(db.knex, { ...base, ...query, after });
    // A page with a next one is full; the page holding the last row offers no next (no empty page after it).
    if (result.next) expect(result.rows).toHaveLength(limit);
    else if (page > 0) expect(result.rows.length).toBeGreaterThan(0);
    seen.push(...result.rows.map((r) => r.domain));
    if (!result.next) return seen;
    await between?.(page);
    after = parseDomainListQuery({ ...query, after: result.next }).after;
  }
}

/** The same rows in the same order, straight from the table: what the pages must add up to. */
async function expected(where: (row: Record<string, any>) => boolean, key: (row: Record<string, any>) => [unknown, number], dir: 'asc' | 'desc'): Promise<string[]> {
  const rows = (await db.knex('dt_domains').select('*')).filter(where);
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number) < (b as number) ? -1 : 1);
  rows.sort((a, b) => {
    const [ka, ia] = key(a);
    const [kb, ib] = key(b);
    return (cmp(ka, kb) || ia - ib) * (dir === 'asc' ? 1 : -1);
  });
  return rows.map((r) => r.domain);
}

describe('Admin lists: keyset pages, filters and sorts', () => {
  it('pages through every sort both ways with each filter, each row exactly once and in order', async () => {
    await seedDomains(260);
    await expectEveryPageRight(25);
  });

  it('ends on the page that holds the last row, full or not', async () => {
    await seedDomains(50);
    const base = { ...parseDomainListQuery({}), limit: 25 };
    const first = await listDomains(db.knex, base);
    expect(first.rows).toHaveLength(25);
    const second = await listDomains(db.knex, { ...base, after: parseDomainListQuery({ after: first.next }).after });
    expect(second.rows).toHaveLength(25);
    expect(second.next).toBeUndefined();
    expect(new Set([...first.rows, ...second.rows].map((r) => r.domain)).size).toBe(50);
  });

  it('does the same when the filters match too many rows to sort and the pages walk the sort order instead', async () => {
    await seedDomains(1300);
    expect(fewRows(100, 1300)).toBe(500);
    // √(page·N) between its floor and its cap: 7,141 of a million rows for a page of 50.
    expect(fewRows(50, 1_000_000)).toBe(7141);
    expect(fewRows(100, 1e9)).toBe(20_000);
    expect(await chooseIndex(db.knex, 'dt_domains', [{ index: 'dt_domains_status_id_index', apply: (q) => q.where('status', 'active') }], 'dt_domains_changed_id_index', 100)).toBe('dt_domains_changed_id_index');
    await expectEveryPageRight(100);
  });

  it('reads each page through the index that keeps it cheap: one holding the sort order, else the narrowest filter, else the sort', async () => {
    // 1,300 rows: "few" ends at 500 for a page of 100. active 866, com 975, sandbox 1,040 are many;
    // co.uk 325, failed 186 and names from d1 about 130 are few.
    await seedDomains(1300);
    const plan = (q: Partial<DomainListQuery>) => domainListIndex(db.knex, { sort: 'changed', limit: 100, ...q });
    expect(await plan({ status: 'active', sort: 'name' })).toBe('dt_domains_status_domain_index');
    expect(await plan({ status: 'active', sort: 'status' })).toBe('dt_domains_status_id_index');
    expect(await plan({ status: 'active', sort: 'changed' })).toBe('dt_domains_status_changed_index');
    expect(await plan({ status: 'active', sort: 'expiry' })).toBe('dt_domains_status_expiry_index');
    expect(await plan({ client: '100', sort: 'name' })).toBe('dt_domains_client_domain_index');
    expect(await plan({ client: '100', sort: 'status' })).toBe('dt_domains_client_domain_index');
    expect(await plan({ tld: 'com', sort: 'name' })).toBe('dt_domains_tld_domain_index');
    expect(await plan({ tld: 'com', sort: 'changed' })).toBe('dt_domains_changed_id_index');
    expect(await plan({ tld: 'co.uk', sort: 'changed' })).toBe('dt_domains_tld_domain_index');
    expect(await plan({ registrar: 'sandbox', sort: 'name' })).toBe('dt_domains_domain_unique');
    expect(await plan({ registrar: 'epp', sort: 'name' })).toBe('dt_domains_registrar_status_id_index');
    // Among few, the fewest.
    expect(await plan({ failure: 'auth_code_invalid', tld: 'co.uk', sort: 'changed' })).toBe('dt_domains_failure_id_index');
    expect(await plan({ prefix: 'd1', failure: 'auth_code_invalid', sort: 'changed' })).toBe('dt_domains_domain_unique');
    // An index in the sort order that is also the narrowest needs no sorting: it beats a wider few.
    expect(await plan({ prefix: 'd1', failure: 'auth_code_invalid', sort: 'name' })).toBe('dt_domains_domain_unique');
    expect(await plan({ prefix: 'd', failure: 'auth_code_invalid', sort: 'name' })).toBe('dt_domains_failure_id_index');
  });

  async function expectEveryPageRight(limit: number): Promise<void> {
    const filters: Array<[Partial<DomainListQuery>, (r: Record<string, any>) => boolean]> = [
      [{}, () => true],
      [{ status: 'pending' }, (r) => r.status === 'pending'],
      [{ registrar: 'epp' }, (r) => r.registrar_id === 'epp'],
      [{ tld: 'co.uk' }, (r) => r.domain.endsWith('.co.uk')],
      [{ client: '101' }, (r) => r.client_id === '101'],
      [{ failure: 'auth_code_invalid' }, (r) => r.failure_code === 'auth_code_invalid'],
      [{ status: 'active', registrar: 'epp' }, (r) => r.status === 'active' && r.registrar_id === 'epp'],
      [{ prefix: 'd1' }, (r) => r.domain.startsWith('d1')],
    ];
    const keys = {
      name: (r: Record<string, any>): [unknown, number] => [r.domain, 0],
      status: (r: Record<string, any>): [unknown, number] => [r.status, Number(r.id)],
      changed: (r: Record<string, any>): [unknown, number] => [Number(r.status_changed_at), Number(r.id)],
      expiry: (r: Record<string, any>): [unknown, number] => [r.expiry_date === null ? null : Number(r.expiry_date), Number(r.id)],
    };
    for (const [filter, where] of filters) {
      for (const sort of Object.keys(keys) as Array<keyof typeof keys>) {
        for (const dir of ['asc', 'desc'] as const) {
          const want = await expected(where, keys[sort], dir);
          expect(await walk({ ...filter, sort, dir }, undefined, limit), `${JSON.stringify(filter)} ${sort} ${dir}`).toEqual(want);
        }
      }
    }
  }

  it('stays stable while rows are inserted between pages: nothing repeats, nothing already listed moves', async () => {
    await seedDomains(100);
    const before = await expected(() => true, (r) => [r.domain, 0], 'asc');
    let added = 0;
    const seen = await walk({ sort: 'name', dir: 'asc' }, async () => {
      await seedDomains(10, 1000 + added);
      added += 10;
    });
    expect(new Set(seen).size).toBe(seen.length);
    // Every row that existed at the start is listed once, in order, whatever arrived meanwhile.
    expect(seen.filter((d) => before.includes(d))).toEqual(before);
  });

  it('finds a name by a prefix typed in Unicode or with a full-width stop', async () => {
    await db.knex('dt_domains').insert(
      ['xn--mnchen-3ya.de', 'muenchen.de', 'xn--fiqs8s.cn', 'example.com'].map((domain, i) => ({ domain, client_id: '1', registrar_id: 'sandbox', status: 'active', status_changed_at: T0 + i, created_at: T0, updated_at: T0 })),
    );
    const names = async (q: string) => (await listDomains(db.knex, parseDomainListQuery({ q }))).rows.map((r) => r.domain);
    expect(await names('MÜNCHEN')).toEqual(['xn--mnchen-3ya.de']);
    expect(await names('münchen．de')).toEqual(['xn--mnchen-3ya.de']);
    expect(await names('mu')).toEqual(['muenchen.de']);
    expect(await names('中国.cn')).toEqual(['xn--fiqs8s.cn']);
    expect(await names('xn--fiqs8s')).toEqual(['xn--fiqs8s.cn']);
  });

  it('refuses a filter, sort, page size or cursor it does not offer with a 422 naming the parameter', () => {
    const field = (query: Record<string, string>) => {
      try {
        parseDomainListQuery(query);
        return 'accepted';
      } catch (error) {
        return `${(error as { status: number }).status} ${(error as { field?: string }).field}`;
      }
    };
    expect(field({ sort: 'price' })).toBe('422 sort');
    expect(field({ dir: 'sideways' })).toBe('422 dir');
    expect(field({ status: 'lost' })).toBe('422 status');
    expect(field({ failure: 'gremlins' })).toBe('422 failure');
    expect(field({ limit: '1000000' })).toBe('422 limit');
    expect(field({ after: 'not-a-cursor' })).toBe('422 after');
    const fromNameSort = Buffer.from(JSON.stringify(['name', 'asc', 'a.com', 1])).toString('base64url');
    expect(field({ sort: 'changed', after: fromNameSort })).toBe('422 after');
    expect(field({ sort: 'name', dir: 'asc', after: fromNameSort })).toBe('accepted');
    expect(() => parseJobListQuery({ type: 'NoSuchJob' }, ['TransferDomainJob'])).toThrow();
  });

  it('says which value it refused and why, in the words the page shows', () => {
    const refusal = (query: Record<string, string>) => {
      try {
        parseDomainListQuery(query);
      } catch (error) {
        const { messageKey, params } = error as { messageKey: string; params: Record<string, unknown> };
        return [messageKey, params];
      }
      return 'accepted';
    };
    expect(refusal({ sort: 'price' })).toEqual(['common:list.bad_sort', { value: 'price' }]);
    expect(refusal({ sort: 'name', dir: 'up' })).toEqual(['common:list.bad_sort', { value: 'up' }]);
    expect(refusal({ status: 'lost' })).toEqual(['common:list.bad_filter', { value: 'lost' }]);
    expect(refusal({ failure: 'gremlins' })).toEqual(['common:list.bad_filter', { value: 'gremlins' }]);
    expect(refusal({ limit: '7' })).toEqual(['common:list.bad_page_size', { sizes: '25, 50, 100, 200' }]);
  });

  it('reads query values trimmed and capped, and an empty one as absent', () => {
    expect(queryText('  pending ', 24)).toBe('pending');
    expect(queryText('   ', 24)).toBeUndefined();
    expect(queryText(['pending', 'active'], 24)).toBeUndefined();
    expect(queryText(' abcdef', 3)).toBe('abc');
    const parsed = parseDomainListQuery({ status: ' pending ', registrar: ' epp ', tld: ' .CO.UK ', client: ' 101 ', q: ' d1 ', sort: ' name ', dir: ' desc ', limit: ' 25 ' });
    expect(parsed).toMatchObject({ status: 'pending', registrar: 'epp', tld: 'co.uk', client: '101', prefix: 'd1', sort: 'name', dir: 'desc', limit: 25 });
    // Only a leading full stop goes: a TLD of two labels keeps its inner one.
    expect(parseDomainListQuery({ tld: 'CO.UK' }).tld).toBe('co.uk');
    // A typed name prefix is looked up in its stored form: lower-case, ASCII full stops, punycode labels.
    expect(namePrefix('  Example.COM ')).toBe('example.com');
    expect(namePrefix('中国')).toBe('xn--fiqs8s');
    expect(namePrefix('MÜNCHEN。de')).toBe('xn--mnchen-3ya.de');
    expect(namePrefix('shop.中国')).toBe('shop.xn--fiqs8s');
    expect(parseDomainListQuery({ status: '', registrar: ' ', q: '' })).toMatchObject({ status: undefined, registrar: undefined, prefix: undefined, sort: 'changed', dir: 'desc', limit: 50 });
  });

  it('ends the jobs list on the page holding its last row, full or not', async () => {
    await insertRows(
      db.knex,
      'dt_jobs',
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, type: 'TransferDomainJob', payload: '{}', status: 'done', attempts: 1, max_attempts: 3, run_at: T0, created_at: T0, updated_at: T0 })),
    );
    const first = await listJobs(db.knex, parseJobListQuery({ limit: '25' }, ['TransferDomainJob']));
    expect(first.rows).toHaveLength(25);
    const second = await listJobs(db.knex, parseJobListQuery({ limit: '25', after: first.next }, ['TransferDomainJob']));
    expect(second.rows).toHaveLength(25);
    expect(second.next).toBeUndefined();
  });

  it('pages jobs newest first by state and type', async () => {
    await insertRows(
      db.knex,
      'dt_jobs',
      Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, type: i % 4 ? 'TransferDomainJob' : 'DeliverEventsJob', payload: '{}', status: i % 10 ? 'done' : 'dead', attempts: 1, max_attempts: 3, run_at: T0, created_at: T0, updated_at: T0 })),
    );
    const all: number[] = [];
    let query = parseJobListQuery({ status: 'done', type: 'TransferDomainJob', limit: '25' }, ['TransferDomainJob']);
    for (;;) {
      const page = await listJobs(db.knex, query);
      all.push(...page.rows.map((r) => Number(r.id)));
      if (!page.next) break;
      query = parseJobListQuery({ status: 'done', type: 'TransferDomainJob', limit: '25', after: page.next }, ['TransferDomainJob']);
    }
    const want = (await db.knex('dt_jobs').where({ status: 'done', type: 'TransferDomainJob' }).orderBy('id', 'desc').pluck('id')).map(Number);
    expect(all).toEqual(want);
    // No filter: the table in id order, newest first.
    const unfiltered = await listJobs(db.knex, parseJobListQuery({ limit: '25' }, ['TransferDomainJob']));
    expect(unfiltered.rows.map((r) => Number(r.id))).toEqual((await db.knex('dt_jobs').orderBy('id', 'desc').limit(25).pluck('id')).map(Number));
    expect(unfiltered.next).toBeDefined();
  });

  it('serves the pages to an admin, exports the filtered set as CSV, and answers 403 to a client', async () => {
    const world = await createTransferWorld(db);
    await seedDomains(90);
    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/domains?status=pending&sort=name&limit=25');
    expect(page.status).toBe(200);
    expect(page.text).toContain('rel="next"');
    const csv = await admin.get('/admin/domains?status=pending&sort=name&format=csv').buffer(true).parse((res, done) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => done(null, body));
    });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = (csv.body as string).replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^domain,domain_unicode,client_id,client_name,registrar,status/);
    const pending = await db.knex('dt_domains').where({ status: 'pending' }).orderBy('domain').pluck('domain');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(pending);
    expect((await admin.get('/admin/domains?sort=bogus')).status).toBe(422);
    expect((await admin.get('/admin/jobs?status=dead&limit=25')).status).toBe(200);

    const client = await loginAs(world.host, DEMO.client);
    for (const path of ['/admin/domains', '/admin/domains?format=csv', '/admin/jobs?status=dead']) expect((await client.get(path)).status).toBe(403);
    await world.host.close();
  });

  it('defuses spreadsheet formulas and quotes separators in CSV fields', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(null)).toBe('');
    expect(csvField('plain.com')).toBe('plain.com');
  });
});
