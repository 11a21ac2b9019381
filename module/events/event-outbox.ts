import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock, EventBus } from '../host-context.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { ClaimedJob, JobHandler } from '../jobs/job-types.ts';
import type { OutgoingEvent } from './domain-events.ts';

export const DELIVER_EVENTS_JOB = 'DeliverEventsJob';

/** SQLite counts a multi-row VALUES list against its 500-term compound SELECT limit. */
const INSERT_CHUNK = 400;

interface EventRow {
  id: number;
  event_id: string;
  name: string;
  payload: string;
  domain: string | null;
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
    if (!events.length) return [];
    const occurredAt = at.toISOString();
    const rows = events.map(({ name, facts }) => {
      const eventId = crypto.randomUUID();
      return {
        event_id: eventId,
        name,
        payload: JSON.stringify({ eventId, occurredAt, ...facts }),
        domain: facts.domain,
        client_id: facts.clientId,
        created_at: at.getTime(),
      };
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx('dt_events').insert(rows.slice(i, i + INSERT_CHUNK));
    const eventIds = rows.map((r) => r.event_id);
    const runAt = about.length ? new Date(Math.min(...about.map((job) => job.runAt))) : undefined;
    await this.deps.queue.enqueue(DELIVER_EVENTS_JOB, `events:${eventIds[0]}`, { eventIds }, { trx, runAt });
    return eventIds;
  }

  /** Delivers a DeliverEventsJob's events that are still owed. Throwing retries the job. */
  readonly deliveryJob: JobHandler = {
    run: async (payload, context) => {
      // A hand-over to the host, not a registrar call: it needs no slot.
      context.releaseSlot();
      const owed: EventRow[] = await this.deps.knex('dt_events').whereIn('event_id', payload.eventIds as string[]).whereNull('delivered_at').orderBy('id');
      if (!owed.length) return;
      const earlier = await this.earlierOwed(owed);
      const blocked = new Set<string>();
      const delivered: number[] = [];
      const failed: Array<{ row: EventRow; error: string }> = [];
      let held = 0;
      for (const row of owed) {
        const domain = row.domain ?? '';
        if (domain && (blocked.has(domain) || (earlier.get(domain) ?? Infinity) < Number(row.id))) {
          // Events of one domain arrive in order: this one waits for the one before it.
          blocked.add(domain);
          held++;
          continue;
        }
        try {
          await this.deps.bus.emit(row.name, JSON.parse(row.payload));
          delivered.push(row.id);
        } catch (error) {
          failed.push({ row, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
          if (domain) blocked.add(domain);
        }
      }
      await this.markDelivered(delivered);
      for (const { row, error } of failed) {
        await this.deps
          .knex('dt_events')
          .where({ id: row.id })
          .update({ delivery_attempts: this.deps.knex.raw('delivery_attempts + 1'), last_error: error.slice(0, 2000) });
        this.deps.logger.warn({ event: row.name, eventId: row.event_id, domain: row.domain, error }, 'a host listener failed; the event will be delivered again');
      }
      if (failed.length || held) {
        const first = failed[0];
        throw new Error(
          first
            ? `${failed.length} of ${owed.length} event(s) not delivered; ${first.row.name} ${first.row.event_id}: ${first.error}`
            : `${held} event(s) wait for an earlier event of the same domain to be delivered`,
        );
      }
    },
  };

  /** For each domain in `owed`, the lowest id of an event still owed by another delivery. */
  private async earlierOwed(owed: EventRow[]): Promise<Map<string, number>> {
    const domains = [...new Set(owed.map((r) => r.domain).filter((d): d is string => Boolean(d)))];
    const earliest = new Map<string, number>();
    if (!domains.length) return earliest;
    const ours = new Set(owed.map((r) => Number(r.id)));
    const rows: Array<{ id: number; domain: string }> = await this.deps
      .knex('dt_events')
      .whereIn('domain', domains)
      .whereNull('delivered_at')
      .where('id', '<', owed[owed.length - 1]!.id)
      .select('id', 'domain');
    for (const row of rows) {
      const id = Number(row.id);
      if (ours.has(id)) continue;
      earliest.set(row.domain, Math.min(id, earliest.get(row.domain) ?? Infinity));
    }
    return earliest;
  }

  private async markDelivered(ids: number[]): Promise<void> {
    if (!ids.length) return;
    const at = this.deps.clock.now().getTime();
    await this.deps.knex('dt_events').whereIn('id', ids).update({ delivered_at: at, delivery_attempts: this.deps.knex.raw('delivery_attempts + 1'), last_error: null });
  }
}
