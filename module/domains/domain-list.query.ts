import { domainToASCII } from 'node:url';
import type { Knex } from 'knex';
import { InputError } from '../errors.ts';
import { REGISTRAR_ERROR_CODES } from '../../registrar-adapters/types.ts';
import { DOMAIN_STATUSES } from './domain-status.machine.ts';
import type { DomainRow } from './domain.queries.ts';
import { chooseIndex, throughIndex, type IndexedFilter } from './list-plan.ts';
import { afterCursor, decodeCursor, encodeCursor, type Cursor, type SortDirection } from './keyset.ts';

/** The orders the Domains list offers, each served by an index ending in the id (see migration 013). */
export const DOMAIN_SORTS = { name: 'domain', status: 'status', changed: 'status_changed_at', expiry: 'expiry_date' } as const;
export type DomainSort = keyof typeof DOMAIN_SORTS;
const SORT_INDEXES: Record<DomainSort, string> = {
  name: 'dt_domains_domain_unique',
  status: 'dt_domains_status_id_index',
  changed: 'dt_domains_changed_id_index',
  expiry: 'dt_domains_expiry_id_index',
};

export interface DomainListFilter {
  status?: string;
  registrar?: string;
  tld?: string;
  client?: string;
  failure?: string;
  /** The start of the name, as typed (Unicode accepted). */
  prefix?: string;
}

export interface DomainListQuery extends DomainListFilter {
  sort: DomainSort;
  dir: SortDirection;
  after?: Cursor;
  limit: number;
}

/**
 * What a list shows (the admin table, its CSV, the API): a page reads these columns only. Each
 * row is a table lookup beside the index walk, and building the columns no list shows was
 * measured at a third of a 50-row page's read.
 */
export const LIST_COLUMNS = [
  'id',
  'domain',
  'client_id',
  'registrar_id',
  'status',
  'expiry_date',
  'failure_code',
  'failure_reason',
  'transfer_out_gaining',
  'transfer_out_requested_at',
  'status_changed_at',
  'last_checked_at',
] as const satisfies ReadonlyArray<keyof DomainRow>;

export type DomainListRow = Pick<DomainRow, (typeof LIST_COLUMNS)[number]>;

export interface DomainListPage {
  rows: DomainListRow[];
  /** The cursor of the next page; absent on the last. */
  next?: string;
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;
const DEFAULT_SORT: Record<DomainSort, SortDirection> = { name: 'asc', status: 'asc', changed: 'desc', expiry: 'asc' };

/** A query-string value, trimmed and capped; absent when empty or not a single string. */
export const queryText = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined);

/** Reads the list's query string; anything that cannot be a filter, a sort or a cursor is a 422 naming it. */
export function parseDomainListQuery(query: Record<string, unknown>): DomainListQuery {
  const sort = (queryText(query.sort, 16) ?? 'changed') as DomainSort;
  if (!(sort in DOMAIN_SORTS)) throw new InputError('common:list.bad_sort', { value: sort }, 'sort');
  const dir = (queryText(query.dir, 4) ?? DEFAULT_SORT[sort]) as SortDirection;
  if (dir !== 'asc' && dir !== 'desc') throw new InputError('common:list.bad_sort', { value: dir }, 'dir');
  const status = queryText(query.status, 24);
  if (status && !(DOMAIN_STATUSES as readonly string[]).includes(status)) throw new InputError('common:list.bad_filter', { value: status }, 'status');
  const failure = queryText(query.failure, 32);
  if (failure && !(REGISTRAR_ERROR_CODES as readonly string[]).includes(failure)) throw new InputError('common:list.bad_filter', { value: failure }, 'failure');
  const limit = Number(queryText(query.limit, 4) ?? 50);
  if (!(PAGE_SIZES as readonly number[]).includes(limit)) throw new InputError('common:list.bad_page_size', { sizes: PAGE_SIZES.join(', ') }, 'limit');
  const after = queryText(query.after, 2000);
  return {
    status,
    failure,
    registrar: queryText(query.registrar, 32),
    tld: queryText(query.tld, 253)?.replace(/^\./, '').toLowerCase(),
    client: queryText(query.client, 64),
    prefix: queryText(query.q, 253),
    sort,
    dir,
    after: after ? decodeCursor(after, sort, dir) : undefined,
    limit,
  };
}

/**
 * The stored (ASCII) form of the start of a name: lower-case, full stops of any script, and
 * Unicode labels in punycode. A label still being typed in Unicode matches only once it is
 * whole, since punycode moves its non-ASCII letters to the end.
 */
export function namePrefix(input: string): string {
  const typed = input.trim().toLowerCase().replace(/[\u3002\uff0e\uff61]/g, '.');
  if (/^[\x21-\x7e]*$/.test(typed)) return typed;
  return typed
    .split('.')
    .map((label) => (/^[\x21-\x7e]*$/.test(label) ? label : domainToASCII(label) || label))
    .join('.');
}

/** Each filter in use, with the index that finds its rows and whether that index also keeps `sort`'s order. */
function indexedFilters(filter: DomainListFilter, sort: DomainSort): IndexedFilter[] {
  const found: IndexedFilter[] = [];
  const on = (index: string, ordered: boolean, apply: (q: Knex.QueryBuilder) => Knex.QueryBuilder) => found.push({ index, ordered, apply });
  if (filter.client) {
    // (client, domain), (client, status_changed_at) and (client, expiry_date) keep a client's rows in those orders.
    const ordered = { name: 'dt_domains_client_domain_index', changed: 'dt_domains_client_changed_index', expiry: 'dt_domains_client_expiry_index' } as Record<string, string>;
    on(ordered[sort] ?? 'dt_domains_client_domain_index', sort in ordered, (q) => q.where('client_id', filter.client!));
  }
  if (filter.tld) on('dt_domains_tld_domain_index', sort === 'name', (q) => q.where('tld', filter.tld!));
  if (filter.status) {
    // (status, domain), (status, id), (status, status_changed_at) and (status, expiry_date) keep a status's rows in those orders.
    const ordered: Record<DomainSort, string> = { name: 'dt_domains_status_domain_index', status: 'dt_domains_status_id_index', changed: 'dt_domains_status_changed_index', expiry: 'dt_domains_status_expiry_index' };
    on(ordered[sort], true, (q) => q.where('status', filter.status!));
  }
  // The registrar's index leads with (registrar, status): with both filters it finds exactly their rows.
  if (filter.registrar) on('dt_domains_registrar_status_id_index', false, (q) => q.where('registrar_id', filter.registrar!).where(filter.status ? { status: filter.status } : {}));
  if (filter.failure) on('dt_domains_failure_id_index', false, (q) => q.where('failure_code', filter.failure!));
  if (filter.prefix) {
    // A range, not LIKE: SQLite's LIKE ignores case and so cannot use the name's index.
    const from = namePrefix(filter.prefix);
    on('dt_domains_domain_unique', sort === 'name', (q) => q.where('domain', '>=', from).andWhere('domain', '<', `${from}\u{10ffff}`));
  }
  return found;
}

/** The filters as WHERE clauses; shared by the list and its CSV export. */
export function applyDomainFilter(query: Knex.QueryBuilder, filter: DomainListFilter): Knex.QueryBuilder {
  for (const f of indexedFilters(filter, 'name')) f.apply(query);
  return query;
}

type PlannedQuery = Pick<DomainListQuery, keyof DomainListFilter | 'sort' | 'limit'>;

/** A page's filters and the index it reads them through (see list-plan.ts). */
async function planDomainList(knex: Knex, q: PlannedQuery): Promise<{ filters: IndexedFilter[]; index: string }> {
  const filters = indexedFilters(q, q.sort);
  return { filters, index: await chooseIndex(knex, 'dt_domains', filters, SORT_INDEXES[q.sort], q.limit) };
}

/** The index a page of `q` reads. */
export async function domainListIndex(knex: Knex, q: PlannedQuery): Promise<string> {
  return (await planDomainList(knex, q)).index;
}

/** One page of the admin Domains list. */
export async function listDomains(knex: Knex, q: DomainListQuery): Promise<DomainListPage> {
  const column = DOMAIN_SORTS[q.sort];
  // Rows without an expiry date yet (pending transfers) come first going up, last going down,
  // read as their own segment so each segment stays one index range.
  const segments: Array<'values' | 'nulls'> = q.sort !== 'expiry' ? ['values'] : q.dir === 'asc' ? ['nulls', 'values'] : ['values', 'nulls'];
  const segmentOf = (cursor: Cursor) => (cursor.value === null ? 'nulls' : 'values');
  const { filters, index } = await planDomainList(knex, q);
  const rows: DomainListRow[] = [];
  for (const segment of segments) {
    // A cursor in the second segment skips the first.
    if (q.after && segments.indexOf(segment) < segments.indexOf(segmentOf(q.after))) continue;
    const from = q.after && segmentOf(q.after) === segment ? q.after : undefined;
    // Names are unique: the name alone places the page.
    const parts = q.sort === 'name' ? [(page: Knex.QueryBuilder) => (from ? page.where('domain', q.dir === 'asc' ? '>' : '<', String(from.value)) : page)] : afterCursor(column, from, q.dir);
    for (const part of parts) {
      const page = throughIndex(knex, 'dt_domains', index).select(LIST_COLUMNS);
      for (const f of filters) f.apply(page);
      if (q.sort === 'expiry') page[segment === 'nulls' ? 'whereNull' : 'whereNotNull'](column);
      // In the null segment the sort value is one and the same: ordering by it too made MariaDB
      // sort the whole segment instead of reading its index in order.
      if (segment !== 'nulls') part(page).orderBy(column, q.dir);
      else part(page);
      if (q.sort !== 'name') page.orderBy('id', q.dir);
      rows.push(...((await page.limit(q.limit + 1 - rows.length)) as DomainListRow[]));
      if (rows.length > q.limit) break;
    }
    if (rows.length > q.limit) break;
  }
  const more = rows.length > q.limit;
  const shown = rows.slice(0, q.limit);
  const last = shown.at(-1);
  return {
    rows: shown,
    next: more && last ? encodeCursor({ sort: q.sort, dir: q.dir, value: (last as unknown as Record<string, string | number | null>)[column] ?? null, id: Number(last.id) }) : undefined,
  };
}
