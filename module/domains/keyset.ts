import type { Knex } from 'knex';
import { InputError } from '../errors.ts';

/**
 * Keyset pagination: a page starts right after the last row of the one before, found through
 * the index that holds the sort order, so page 500 costs what page 1 costs and rows inserted
 * meanwhile neither repeat nor push others off a page.
 *
 * The cursor names the sort it belongs to and the last row's sort value and id, as base64url
 * JSON. It is not a secret and grants nothing: every page re-applies the filters and the
 * caller's rights.
 */
export type SortDirection = 'asc' | 'desc';

export interface Cursor {
  sort: string;
  dir: SortDirection;
  value: string | number | null;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.dir, cursor.value, cursor.id])).toString('base64url');
}

/** The cursor for this sort, or a 422 naming the `after` parameter when it is not one (or belongs to another sort). */
export function decodeCursor(text: string, sort: string, dir: SortDirection): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== sort ||
    parsed[1] !== dir ||
    !(parsed[2] === null || typeof parsed[2] === 'string' || Number.isFinite(parsed[2])) ||
    !Number.isSafeInteger(parsed[3])
  ) {
    throw new InputError('common:list.bad_cursor', {}, 'after');
  }
  return { sort, dir, value: parsed[2] as Cursor['value'], id: parsed[3] as number };
}

/**
 * The rows after `cursor` in the order (column, id) `dir`, as one or two narrowings that are
 * each a single index range: first the rest of the cursor's own value (`col = v AND id > x`),
 * then the values past it (`col > v`). A combined `col >= v AND (col > v OR id > x)` would
 * start its range at the first row of `v` and, on a column with few values such as the
 * status, read most of the table to reach a deep page. A null sort value (a domain with no
 * expiry date yet) is a segment of its own, handled by the caller.
 */
export function afterCursor(column: string, cursor: Cursor | undefined, dir: SortDirection, idColumn = 'id'): Array<(query: Knex.QueryBuilder) => Knex.QueryBuilder> {
  const strict = dir === 'asc' ? '>' : '<';
  if (!cursor) return [(query) => query];
  if (column === idColumn) return [(query) => query.where(idColumn, strict, cursor.id)];
  if (cursor.value === null) return [(query) => query.whereNull(column).andWhere(idColumn, strict, cursor.id)];
  return [(query) => query.where(column, cursor.value!).andWhere(idColumn, strict, cursor.id), (query) => query.where(column, strict, cursor.value!)];
}
