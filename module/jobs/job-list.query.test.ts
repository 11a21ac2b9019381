import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { parseJobListQuery } from './job-list.query.ts';

const TYPES = ['TransferDomainJob', 'DeliverEventsJob'];

/** The 422 the Jobs list answers: the field at fault, its message and what fills the message. */
function refusal(query: Record<string, unknown>) {
  try {
    parseJobListQuery(query, TYPES);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { status: error.status, field: error.field, messageKey: error.messageKey, params: error.params };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('the Jobs list query string', () => {
  it('names the filter, sort or page size it cannot use, with the value or the choices', () => {
    expect(refusal({ status: 'lost' })).toEqual({ status: 422, field: 'status', messageKey: 'common:list.bad_filter', params: { value: 'lost' } });
    expect(refusal({ type: 'NoSuchJob' })).toEqual({ status: 422, field: 'type', messageKey: 'common:list.bad_filter', params: { value: 'NoSuchJob' } });
    expect(refusal({ dir: 'up' })).toEqual({ status: 422, field: 'dir', messageKey: 'common:list.bad_sort', params: { value: 'up' } });
    expect(refusal({ limit: '30' })).toEqual({ status: 422, field: 'limit', messageKey: 'common:list.bad_page_size', params: { sizes: '25, 50, 100, 200' } });
  });

  it('reads a valid query, newest first and 50 to a page unless asked otherwise', () => {
    expect(parseJobListQuery({}, TYPES)).toEqual({ status: undefined, type: undefined, dir: 'desc', limit: 50, after: undefined });
    expect(parseJobListQuery({ status: 'dead', type: 'DeliverEventsJob', dir: 'asc', limit: '200' }, TYPES)).toEqual({
      status: 'dead',
      type: 'DeliverEventsJob',
      dir: 'asc',
      limit: 200,
      after: undefined,
    });
  });
});
