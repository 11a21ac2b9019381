import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock, EventBus } from '../host-context.ts';
import type { JobQueue, JobSpec } from '../jobs/job-queue.ts';
import type { ClaimedJob, JobHandler } from '../jobs/job-types.ts';
import type { OutgoingEvent } from './domain-events.ts';
import { Batcher } from '../jobs/batcher.ts';
import { insertRows } from '../database.ts';

export const DELIVER_EVENTS_JOB = 'DeliverEventsJob';

/** A DeliverEventsJob's payload: its events, and their domains (which order them). */
interface Delivery {
  eventIds: string[];
  domains: string[];
}

interface EventInsert {
  event_id: string;
  name: string;
  payload: string;
  domain: string;
  client_id: string;
  created_at: number;
}

interface EventRow {
  id: number;
  event_id: string;
  name: string;
  payload: string;
  domain: string;
}

/**
 * The module's side of the hooks it emits: `record` writes events in the caller's transaction,
 * with one DeliverEventsJob for them, so a change and the news of it commit together; the job
 * hands them to the host's bus, at least once, retried with backoff while a listener throws.
 */
export class EventOutbox {
  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      queue: JobQueue;
      bus: EventBus;
      logger: Logger;
    },
  ) {}

  /**
   * Records `events` as of `at` in `trx`. `about` are the jobs whose outcome they report: the
   * delivery takes the queue place of the earliest, so a backlog does not hold back the news.
   * Returns the event ids.
   */
  async record(trx: Knex.Transaction, events: readonly OutgoingEvent[], at: Date, about: readonly ClaimedJob[] = []): Promise<string[]> {
    const prepared = this.prepare(events, at, about);
    if (!prepared) return [];
    await insertRows(trx, 'dt_events', prepared.rows);
    await this.deps.queue.enqueueAll(trx, [prepared.job]);
    return prepared.rows.map((r) => r.event_id);
  }

  /** The rows and the DeliverEventsJob for `events`, for a writer that inserts them with its own jobs. */
  prepare(events: readonly OutgoingEvent[], at: Date, about: readonly ClaimedJob[] = []): { rows: EventInsert[]; job: JobSpec } | undefined {
    if (!events.length) return undefined;
    const occurredAt = at.toISOString();
    const rows = events.map(({ name, facts }): EventInsert => {
      const eventId = uuidV7(at);
      return {
        event_id: eventId,
        name,
        payload: JSON.stringify({ eventId, occurredAt, ...facts }),
        domain: facts.domain,
        client_id: facts.clientId,
        created_at: at.getTime(),
      };
    });
    const runAt = about.length ? new Date(Math.min(...about.map((job) => job.runAt))) : undefined;
    const payload = { eventIds: rows.map((r) => r.event_id), domains: [...new Set(rows.map((r) => r.domain))] };
    return { rows, job: { type: DELIVER_EVENTS_JOB, key: `events:${rows[0]!.event_id}`, payload, runAt } };
  }

  /** Delivers a DeliverEventsJob's events that are still owed. Throwing retries the job. */
  readonly deliveryJob: JobHandler = {
    run: async (payload, context) => {
      // A hand-over to the host, not a registrar call: it needs no slot.
      context.releaseSlot();
      await this.deliveries.submit({ eventIds: payload.eventIds as string[], domains: payload.domains as string[] });
    },
  };

  // Deliveries running together read their events in one query and mark them in one update.
  private readonly deliveries = new Batcher<Delivery, void>((batch) => this.deliverMany(batch), { maxBatch: 50, maxInFlight: 1 });

  /**
   * Hands the owed events of several deliveries to the bus in the order they happened. An event
   * waits while an earlier event of its domain is owed (by any delivery) or has just failed;
   * a delivery with an event not delivered fails, and its job retries what is still owed.
   */
  private async deliverMany(batch: Delivery[]): Promise<Array<void | Error>> {
    const wanted = new Set(batch.flatMap((d) => d.eventIds));
    const domains = [...new Set(batch.flatMap((d) => d.domains))];
    // Every owed event of these domains: ours, and any earlier ones another delivery still owes.
    const owed: EventRow[] = await this.deps.knex('dt_events').whereIn('domain', domains).whereNull('delivered_at').orderBy('id').select('id', 'event_id', 'name', 'payload', 'domain');
    const blocked = new Set<string>();
    const delivered: number[] = [];
    const problems = new Map<string, string>();
    const byDomain = new Map<string, EventRow[]>();
    for (const row of owed) {
      const rows = byDomain.get(row.domain);
      if (rows) rows.push(row);
      else byDomain.set(row.domain, [row]);
    }
    // One domain's events go out one after another; different domains' go out together, so
    // a host listener can gather what arrives at once (one statement for many) if it likes.
    const deliverDomain = async (rows: EventRow[]): Promise<void> => {
      for (const row of rows) {
        const domain = row.domain;
        if (!wanted.has(row.event_id)) {
          // Owed by another delivery: what comes after it in its domain waits.
          blocked.add(domain);
          continue;
        }
        if (blocked.has(domain)) {
          problems.set(row.event_id, 'waits for an earlier event of the same domain to be delivered');
          continue;
        }
        try {
          await this.deps.bus.emit(row.name, JSON.parse(row.payload));
          delivered.push(Number(row.id));
        } catch (error) {
          const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          problems.set(row.event_id, text);
          blocked.add(domain);
          await this.deps
            .knex('dt_events')
            .where({ id: row.id })
            .update({ delivery_attempts: this.deps.knex.raw('delivery_attempts + 1'), last_error: text.slice(0, 2000) });
          this.deps.logger.warn({ event: row.name, eventId: row.event_id, domain: row.domain, error: text }, 'a host listener failed; the event will be delivered again');
        }
      }
    };
    await Promise.all([...byDomain.values()].map(deliverDomain));
    await this.markDelivered(delivered);
    const names = new Map(owed.map((r) => [r.event_id, r.name]));
    return batch.map((d) => {
      const undelivered = d.eventIds.filter((id) => problems.has(id));
      if (!undelivered.length) return undefined;
      const first = undelivered[0]!;
      return new Error(`${undelivered.length} of ${d.eventIds.length} event(s) not delivered; ${names.get(first)} ${first}: ${problems.get(first)}`);
    });
  }

  private async markDelivered(ids: number[]): Promise<void> {
    if (!ids.length) return;
    const at = this.deps.clock.now().getTime();
    await this.deps.knex('dt_events').whereIn('id', ids).update({ delivered_at: at, delivery_attempts: this.deps.knex.raw('delivery_attempts + 1'), last_error: null });
  }
}

/**
 * A version 7 UUID (RFC 9562): 48 bits of milliseconds, then random bits. Unique like any
 * UUID, and ordered by time, so the unique index on event ids grows at its end.
 */
export function uuidV7(at: Date): string {
  // randomUUID draws from a pooled buffer of entropy; its random part is reused below the time.
  const random = crypto.randomUUID().replace(/-/g, '');
  const hex = `${at.getTime().toString(16).padStart(12, '0').slice(-12)}7${random.slice(13, 16)}${random.slice(16)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
