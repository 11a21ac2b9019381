import type { Response } from 'express';
import type { Knex } from 'knex';
import { listDomains, type DomainListQuery } from '../domains/domain-list.query.ts';
import { decodeCursor } from '../domains/keyset.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { csvField } from '../csv-field.ts';

const COLUMNS = ['domain', 'domain_unicode', 'client_id', 'client_name', 'registrar', 'status', 'failure_code', 'expiry_date', 'status_changed_at', 'last_checked_at'];

const isoDate = (ms: number | null) => (ms === null || ms === undefined ? '' : new Date(Number(ms)).toISOString());

/**
 * Streams the whole filtered list as CSV, a keyset page of 1,000 at a time, waiting for the
 * client to drain each: a million rows never sit in memory, and a slow download holds back
 * only its own reads.
 */
export async function streamDomainsCsv(
  knex: Knex,
  query: DomainListQuery,
  clientNames: (ids: string[]) => Promise<Map<string, string>>,
  res: Response,
): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="domains-${new Date().toISOString().slice(0, 10)}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  res.write(`\ufeff${COLUMNS.join(',')}\r\n`);
  let after = undefined as DomainListQuery['after'];
  for (;;) {
    const page = await listDomains(knex, { ...query, after, limit: 1000 });
    const names = await clientNames(page.rows.map((row) => row.client_id));
    const lines = page.rows.map((d) =>
      [d.domain, toUnicode(d.domain), d.client_id, names.get(d.client_id) ?? '', d.registrar_id, d.status, d.failure_code, isoDate(d.expiry_date), isoDate(d.status_changed_at), isoDate(d.last_checked_at)].map(csvField).join(','),
    );
    if (lines.length && !res.write(`${lines.join('\r\n')}\r\n`)) await new Promise((resolve) => res.once('drain', resolve));
    if (!page.next || res.destroyed) break;
    after = decodeCursor(page.next, query.sort, query.dir);
  }
  res.end();
}
