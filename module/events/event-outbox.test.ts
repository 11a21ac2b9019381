import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createEventBus } from '../event-bus.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import type { OutgoingEvent } from './domain-events.ts';
import { EventOutbox } from './event-outbox.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };

function requested(domain: string): OutgoingEvent {
  return {
    name: 'domain.transfer.requested',
    facts: { domain, clientId: '1', registrarId: 'sandbox', orderId: null, orderItemId: null, invoiceId: null, reference: `ref-${domain}`, actionDate: null },
  };
}

function completed(domain: string): OutgoingEvent {
  return {
    name: 'domain.transfer.completed',
    facts: { domain, clientId: '1', registrarId: 'sandbox', orderId: null, orderItemId: null, invoiceId: null, expiryDate: '2028-01-01T00:00:00.000Z' },
  };
}

describe('the event outbox hands events to the host', () => {
  it('emits different domains together and one domain in order, so a slow listener on one holds back only that one', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    const bus = createEventBus();
    const outbox = new EventOutbox({ knex: db.knex, clock, queue, bus, logger: pino({ level: 'silent' }) });
    await db.knex.transaction((trx) => outbox.record(trx, [requested('a.com'), requested('b.com'), completed('a.com'), completed('b.com')], clock.now()));

    const seen: string[] = [];
    let releaseA!: () => void;
    const aHeld = new Promise<void>((resolve) => (releaseA = resolve));
    bus.on('domain.transfer.requested', async (event: { domain: string }) => {
      seen.push(`requested ${event.domain}`);
      if (event.domain === 'a.com') await aHeld;
    });
    bus.on('domain.transfer.completed', (event: { domain: string }) => void seen.push(`completed ${event.domain}`));

    const job = await db.knex('dt_jobs').where({ type: 'DeliverEventsJob' }).first();
    const payload = typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload;
    const delivering = outbox.deliveryJob.run(payload, { job, lastAttempt: false, releaseSlot: () => {} } as never);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // b.com went through while a.com's first listener call is still running; a.com's completion waits.
    expect(seen).toEqual(['requested a.com', 'requested b.com', 'completed b.com']);

    releaseA();
    await delivering;
    expect(seen).toEqual(['requested a.com', 'requested b.com', 'completed b.com', 'completed a.com']);
    const owed = await db.knex('dt_events').whereNull('delivered_at').count({ n: '*' }).first();
    expect(Number(owed!.n)).toBe(0);
  });
});
