import type { Knex } from 'knex';
import { engineOf } from '../database.ts';

/**
 * Which index a list page reads, chosen here rather than by the database's planner. With a
 * filter and a sort, a planner tends to take the filter's index and sort every match: fine
 * for a client with 40 domains, ruinous for a reseller with 50,000. The rule:
 *
 * - a filter that matches few rows (found by a count that stops there) is read through its
 *   own index and the few matches are sorted;
 * - otherwise the page walks the sort's index from the cursor and checks the filters row by
 *   row: with many matches, a page's worth turns up early.
 *
 * Sorting m matches costs about m rows read; walking costs about page·N/m. They meet at
 * m = √(page·N), which is where "few" ends: 7,000 of a million rows for a page of 50. A page
 * costs at most a few thousand row reads at any depth.
 */
export function fewRows(pageSize: number, tableRows: number): number {
  return Math.round(Math.min(20_000, Math.max(500, Math.sqrt((pageSize + 1) * tableRows))));
}

export interface IndexedFilter {
  /** The index that finds this filter's rows. */
  index: string;
  /** True when that index also holds the rows in the page's sort order: read it, whatever the count. */
  ordered?: boolean;
  apply(query: Knex.QueryBuilder): Knex.QueryBuilder;
}

/** Names the table's primary key in `throughIndex`: rows in id order. */
export const PRIMARY_KEY = 'PRIMARY';

/** `table` read through `index` only: SQLite's INDEXED BY (NOT INDEXED walks the rowid), MariaDB's FORCE INDEX. */
export function throughIndex(knex: Knex, table: string, index: string): Knex.QueryBuilder {
  if (engineOf(knex) === 'mysql') return knex.from(knex.raw('?? force index (??)', [table, index]));
  return knex.from(index === PRIMARY_KEY ? knex.raw('?? not indexed', [table]) : knex.raw('?? indexed by ??', [table, index]));
}

/** How many rows `filter` matches through its index, counting no further than `cap`. */
async function countUpTo(knex: Knex, table: string, filter: IndexedFilter, cap: number): Promise<number> {
  const matches = filter.apply(throughIndex(knex, table, filter.index).select(knex.raw('1'))).limit(cap + 1);
  const row = await knex.from(matches.as('m')).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** The index a page should read: the narrowest filter's when it matches few rows, else the sort's. */
export async function chooseIndex(knex: Knex, table: string, filters: IndexedFilter[], sortIndex: string, pageSize: number): Promise<string> {
  if (!filters.length) return sortIndex;
  // The highest id stands in for the row count: one index lookup instead of a count.
  const few = fewRows(pageSize, Number((await knex(table).max({ n: 'id' }).first())?.n ?? 0));
  let best: { filter: IndexedFilter; rows: number } | undefined;
  for (const filter of filters) {
    const rows = await countUpTo(knex, table, filter, few);
    // A filter whose index keeps the sort order needs no sorting: only a narrower one beats it.
    if (rows <= few && (!best || rows < best.rows || (rows === best.rows && filter.ordered && !best.filter.ordered))) best = { filter, rows };
  }
  // Many rows everywhere: walk an index in the sort order and stop at the page's end.
  return best?.filter.index ?? filters.find((filter) => filter.ordered)?.index ?? sortIndex;
}
