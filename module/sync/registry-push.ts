import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import type { RegistryTransferEvent } from '../../registrar-adapters/types.ts';
import { withRegistrarTimeout } from '../registrar-timeout.ts';
import { normalizeSyncRow, SYNC_COLUMNS, type Applied, type StatusApplier } from './status-applier.ts';

export interface PushResult {
  received: number;
  applied: number;
  failed: number;
}

/**
 * Registry push (EPP poll queue, or a webhook handing its event here): a completion is
 * applied the moment the registry reports it, through the same applier as the 05:00 run,
 * and acknowledged only after it has been applied, so a crash in between redelivers it.
 */
export class RegistryPush {
  private polling: Promise<PushResult> | undefined;

  constructor(
    private readonly deps: { knex: Knex; registrars: RegistrarRegistry; applier: StatusApplier; logger: Logger; callTimeoutMs: number },
  ) {}

  /** One event, from whichever adapter or webhook received it. Throws when it could not be applied (do not ack). */
  async apply(event: Pick<RegistryTransferEvent, 'domain' | 'direction' | 'status'>, source: string): Promise<Applied> {
    const found = await this.deps.knex('dt_domains').where({ domain: event.domain.toLowerCase() }).first(...SYNC_COLUMNS);
    // A domain we do not manage (or no longer do) needs nothing; the event is still consumed.
    if (!found) return { outcome: 'unchanged' };
    const row = normalizeSyncRow(found);
    const ctx = { actor: `push:${source}`, dryRun: false };
    if (event.direction === 'in') return this.deps.applier.applyTransferStatus(row, event.status, ctx);
    if (event.status.kind === 'completed') return this.deps.applier.applyRegistryFacts(row, { sponsoredByUs: false }, ctx);
    return { outcome: 'unchanged' };
  }

  /** Reads every adapter's poll queue once; concurrent calls share one poll. */
  pollAll(): Promise<PushResult> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<PushResult> {
    const result: PushResult = { received: 0, applied: 0, failed: 0 };
    for (const adapter of this.deps.registrars.all()) {
      if (!adapter.poll) continue;
      let events: RegistryTransferEvent[];
      try {
        events = await withRegistrarTimeout(adapter.poll(), this.deps.callTimeoutMs, 'poll', adapter.id);
      } catch (error) {
        this.deps.logger.warn({ registrar: adapter.id, err: error }, 'polling the registry queue failed; the scheduled sync still covers it');
        continue;
      }
      for (const event of events) {
        result.received++;
        try {
          const applied = await this.apply(event, adapter.id);
          await event.ack();
          if (applied.outcome !== 'unchanged' && applied.outcome !== 'raced') result.applied++;
        } catch (error) {
          result.failed++;
          this.deps.logger.error({ registrar: adapter.id, domain: event.domain, err: error }, 'a registry push event could not be applied; left unacknowledged');
        }
      }
    }
    return result;
  }
}

