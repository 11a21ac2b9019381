import type { Knex } from 'knex';
import { InputError } from '../errors.ts';
import { afterCursor, decodeCursor, encodeCursor, type Cursor, type SortDirection } from '../domains/keyset.ts';
import { chooseIndex, PRIMARY_KEY, throughIndex, type IndexedFilter } from '../domains/list-plan.ts';
import { PAGE_SIZES, queryText } from '../domains/domain-list.query.ts';
import { JOB_STATUSES, type JobRow, type JobStatus } from './job-queue.ts';


export interface JobListQuery {
  status?: JobStatus;
  type?: string;
  dir: SortDirection;
  after?: Cursor;
  limit: number;
}


/** Reads the Jobs list's query string; a value that cannot be a filter or a cursor is a 422 naming it. */
export function parseJobListQuery(query: Record<string, unknown>, types: readonly string[]): JobListQuery {
  const status = queryText(query.status, 16) as JobStatus | undefined;
  if (status && !JOB_STATUSES.includes(status)) throw new InputError('common:list.bad_filter', { value: status }, 'status');
  const type = queryText(query.type, 64);
  if (type && !types.includes(type)) throw new InputError('common:list.bad_filter', { value: type }, 'type');
  const dir = (queryText(query.dir, 4) ?? 'desc') as SortDirection;
  if (dir !== 'asc' && dir !== 'desc') throw new InputError('common:list.bad_sort', { value: dir }, 'dir');
  const limit = Number(queryText(query.limit, 4) ?? 50);
  if (!(PAGE_SIZES as readonly number[]).includes(limit)) throw new InputError('common:list.bad_page_size', { sizes: PAGE_SIZES.join(', ') }, 'limit');
  const after = queryText(query.after, 2000);
  return { status, type, dir, limit, after: after ? decodeCursor(after, 'created', dir) : undefined };
}

/** One page of the admin Jobs list, newest (or oldest) first, through the (status, id) and (type, id) indexes. */
export async function listJobs(knex: Knex, q: JobListQuery): Promise<{ rows: JobRow[]; next?: string }> {
  const filters: IndexedFilter[] = [];
  if (q.status) filters.push({ index: 'dt_jobs_status_id_index', apply: (query) => query.where('status', q.status!) });
  if (q.type) filters.push({ index: 'dt_jobs_type_id_index', apply: (query) => query.where('type', q.type!) });
  // One filter's index holds its rows in id order already; with two, the narrower leads.
  const index = filters.length === 1 ? filters[0]!.index : await chooseIndex(knex, 'dt_jobs', filters, PRIMARY_KEY, q.limit);
  const page = throughIndex(knex, 'dt_jobs', index).select('*');
  for (const f of filters) f.apply(page);
  const rows: JobRow[] = await afterCursor('id', q.after, q.dir)[0]!(page).orderBy('id', q.dir).limit(q.limit + 1);
  const shown = rows.slice(0, q.limit);
  const last = shown.at(-1);
  return { rows: shown, next: rows.length > q.limit && last ? encodeCursor({ sort: 'created', dir: q.dir, value: null, id: Number(last.id) }) : undefined };
}
