import type { Knex } from 'knex';
import { normalizeSyncRow, SYNC_COLUMNS, type SyncDomainRow } from './status-applier.ts';

export type SyncableStatus = 'pending' | 'active';

export interface StreamFilter {
  registrarId: string;
  status: SyncableStatus;
  /** Only domains not checked since this time (the pending cadence skips what 05:00 just did). */
  checkedBefore?: Date;
}

/**
 * Which of a registrar's domains a run looks at. A pending domain with a failure code is
 * waiting for the client's corrected EPP code: nothing is at the registry, so it is left out.
 */
function filtered(knex: Knex, filter: StreamFilter): Knex.QueryBuilder {
  const query = knex('dt_domains').where({ registrar_id: filter.registrarId, status: filter.status });
  if (filter.status === 'pending') query.whereNull('failure_code');
  if (filter.checkedBefore) {
    const before = filter.checkedBefore.getTime();
    query.where((q) => q.whereNull('last_checked_at').orWhere('last_checked_at', '<', before));
  }
  return query;
}

/**
 * Keyset pages in id order (`id > last ORDER BY id LIMIT n`), served by the
 * (registrar_id, status, id) index: each page costs the same however far the run has got,
 * and memory holds the current page and the next, never the table. Rows are handed out one
 * at a time to a fixed set of workers, so nothing waits in a queue per domain (100,000
 * queued closures would each outlive a GC cycle and bloat the heap).
 */
export class DomainCursor {
  private page: SyncDomainRow[] = [];
  private index = 0;
  private prefetch: Promise<SyncDomainRow[]> | undefined;
  private lastId = 0;
  private exhausted = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly knex: Knex,
    private readonly filter: StreamFilter,
    private readonly batchSize: number,
  ) {}

  /** The next row, or null at the end. Calls are served in order, one at a time. */
  take(): Promise<SyncDomainRow | null> {
    const next = this.chain.then(() => this.takeNext());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Rows read but not handed out, plus the rows not read yet: what a stopped run skips. */
  async remaining(): Promise<number> {
    await this.chain;
    const prefetched = this.prefetch ? (await this.prefetch).length : 0;
    return this.page.length - this.index + prefetched + (this.exhausted ? 0 : await countDomains(this.knex, this.filter, this.lastId));
  }

  private async takeNext(): Promise<SyncDomainRow | null> {
    while (this.index >= this.page.length) {
      if (this.exhausted && !this.prefetch) return null;
      const pending = this.prefetch ?? this.fetch();
      this.prefetch = undefined;
      this.page = await pending;
      this.index = 0;
    }
    const row = this.page[this.index++]!;
    // Read the next page while this one is being worked on, so workers never wait for a read.
    if (!this.prefetch && !this.exhausted && this.index * 2 >= this.page.length) this.prefetch = this.fetch();
    return row;
  }

  /** True once the last page has been read: what is left is in hand. */
  get allRead(): boolean {
    return this.exhausted && !this.prefetch;
  }

  /** Reads the first page ahead of the first take. */
  warm(): void {
    if (!this.prefetch && !this.exhausted && this.lastId === 0 && !this.page.length) this.prefetch = this.fetch();
  }

  private async fetch(): Promise<SyncDomainRow[]> {
    const rows = await filtered(this.knex, this.filter)
      .where('id', '>', this.lastId)
      .orderBy('id')
      .limit(this.batchSize)
      .select(...SYNC_COLUMNS);
    const page = rows.map(normalizeSyncRow);
    if (page.length) this.lastId = page[page.length - 1]!.id;
    if (page.length < this.batchSize) this.exhausted = true;
    return page;
  }
}

/**
 * Several cursors (one per status) read one after another by one pool of workers. The next
 * cursor's first page is read while the last page of the one before is being checked, so the
 * workers go on from one status to the next instead of all finishing before any starts again.
 */
export class CursorChain {
  private index = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly cursors: DomainCursor[]) {}

  /** The next row of the first cursor with rows left, or null when every cursor is done. */
  take(): Promise<SyncDomainRow | null> {
    const next = this.chain.then(() => this.takeNext());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Rows not handed out yet, by cursor from the one being read on (what a stopped run skips). */
  async remaining(): Promise<number[]> {
    await this.chain;
    const left: number[] = [];
    for (const cursor of this.cursors.slice(this.index)) left.push(await cursor.remaining());
    return left;
  }

  private async takeNext(): Promise<SyncDomainRow | null> {
    for (;;) {
      const cursor = this.cursors[this.index];
      if (!cursor) return null;
      const row = await cursor.take();
      if (row) {
        if (cursor.allRead) this.cursors[this.index + 1]?.warm();
        return row;
      }
      this.index++;
    }
  }
}

export async function countDomains(knex: Knex, filter: StreamFilter, afterId = 0): Promise<number> {
  const row = await filtered(knex, filter).where('id', '>', afterId).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** Pending domains a run leaves alone because the client owes a corrected EPP code. */
export async function countAwaitingCode(knex: Knex, registrarId: string): Promise<number> {
  const row = await knex('dt_domains').where({ registrar_id: registrarId, status: 'pending' }).whereNotNull('failure_code').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** Pending or active domains routed to a registrar that is no longer configured. */
export async function countUnroutable(knex: Knex, knownRegistrars: string[], statuses: SyncableStatus[]): Promise<Array<{ registrarId: string; n: number }>> {
  const rows: Array<{ registrar_id: string; n: number | string }> = await knex('dt_domains')
    .whereIn('status', statuses)
    .whereNotIn('registrar_id', knownRegistrars.length ? knownRegistrars : [''])
    .select('registrar_id')
    .count({ n: '*' })
    .groupBy('registrar_id');
  return rows.map((r) => ({ registrarId: r.registrar_id, n: Number(r.n) }));
}

/**
 * `last_checked_at` for many domains in one UPDATE per chunk instead of one per domain: on
 * SQLite's single connection the difference is most of a run's database time.
 */
export class LastCheckedBuffer {
  private ids: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly knex: Knex,
    private readonly now: () => Date,
    private readonly chunkSize: number,
  ) {}

  add(id: number): void {
    this.ids.push(id);
    if (this.ids.length >= this.chunkSize) this.flushNow();
  }

  /** Writes what is buffered and waits for every write so far. */
  async drain(): Promise<void> {
    this.flushNow();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flushNow(): void {
    if (!this.ids.length) return;
    const ids = this.ids;
    this.ids = [];
    this.chain = this.chain.then(async () => {
      try {
        await this.knex('dt_domains').whereIn('id', ids).update({ last_checked_at: this.now().getTime() });
      } catch (error) {
        this.failure ??= error;
      }
    });
  }
}
