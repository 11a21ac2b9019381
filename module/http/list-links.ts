/** The list parameters a page link carries over: the filters, the sort, the page size and the cursor. */
const LIST_PARAMS = ['status', 'registrar', 'tld', 'client', 'failure', 'q', 'sort', 'dir', 'limit', 'after', 'type'];

export function listQueryString(query: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of LIST_PARAMS) {
    const value = query[name];
    if (typeof value === 'string' && value !== '') params.set(name, value);
  }
  return params;
}

/** A copy of `params` with some set or (undefined) removed, as a query string. */
export function withParams(params: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) next.delete(name);
    else next.set(name, value);
  }
  return next.toString();
}
