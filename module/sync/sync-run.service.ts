import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, type RegistrarAdapter } from '../../registrar-adapters/types.ts';
import { countAwaitingCode, countDomains, countUnroutable, CursorChain, DomainCursor, LastCheckedBuffer, type SyncableStatus } from './domain-stream.ts';
import { describe, LaneClosedError, RegistrarLane } from './registrar-lane.ts';
import { normalizeSyncRow, SYNC_COLUMNS, type StatusApplier, type SyncDomainRow } from './status-applier.ts';
import { SummaryBuilder, type SyncMode, type SyncSummary } from './sync-summary.ts';

export type SyncSettings = ModuleConfig['sync'];

export interface SyncRunOptions {
  mode: SyncMode;
  trigger: string;
  /** History actor for every change, e.g. `sync:run-12`. */
  actor: string;
  dryRun?: boolean;
  /** Only this domain (CLI `--domain`). */
  domain?: string;
  /** Pending cadence: leave out domains checked since this time. */
  checkedBefore?: Date;
  /** Aborted when the run loses its lease: stop calling registrars and return what was done. */
  signal?: AbortSignal;
  onProgress?: (summary: SyncSummary) => void;
}

interface RunState {
  options: SyncRunOptions;
  builder: SummaryBuilder;
  checked: LastCheckedBuffer;
  alerts: Array<Promise<void>>;
  /** Domains this run changed: a transfer it completed is not checked again as an active domain. */
  changed: Set<number>;
}

/**
 * One sync run: every pending transfer (getTransferStatus) and, in a full run, every active
 * domain (getDomainInfo). Each registrar streams its own domains through its own lane, so a
 * registrar that is down is skipped after one alert while the others carry on.
 */
export class SyncRunService {
  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      logger: Logger;
      registrars: RegistrarRegistry;
      applier: StatusApplier;
      notifications: ModuleNotifications;
      settings: SyncSettings;
    },
  ) {}

  async run(options: SyncRunOptions): Promise<SyncSummary> {
    const { knex, clock, settings } = this.deps;
    const builder = new SummaryBuilder({ mode: options.mode, trigger: options.trigger, dryRun: !!options.dryRun, domain: options.domain ?? null, startedAt: clock.now() });
    const state: RunState = { options, builder, checked: new LastCheckedBuffer(knex, () => clock.now(), settings.batchSize), alerts: [], changed: new Set() };
    try {
      if (options.domain) await this.runOne(state, options.domain);
      else await this.runAll(state);
    } finally {
      if (!options.dryRun) await state.checked.drain();
      await Promise.all(state.alerts);
    }
    return builder.finish(options.signal?.aborted ? 'stopped' : 'ok');
  }

  private statuses(mode: SyncMode): SyncableStatus[] {
    return mode === 'full' ? ['pending', 'active'] : ['pending'];
  }

  private async runAll(state: RunState): Promise<void> {
    const { knex, registrars } = this.deps;
    const { builder, options } = state;
    const statuses = this.statuses(options.mode);
    const adapters = registrars.all();
    for (const { registrarId, n } of await countUnroutable(knex, adapters.map((a) => a.id), statuses)) builder.skipped(registrarId, 'unknown_registrar', n);
    for (const adapter of adapters) {
      builder.registrar(adapter.id);
      builder.skipped(adapter.id, 'awaiting_epp_code', await countAwaitingCode(knex, adapter.id));
      for (const status of statuses) builder.summary.total += await countDomains(knex, { registrarId: adapter.id, status, checkedBefore: options.checkedBefore });
    }
    options.onProgress?.(builder.summary);
    await Promise.all(adapters.map((adapter) => this.runRegistrar(state, adapter, statuses)));
  }

  private async runOne(state: RunState, name: string): Promise<void> {
    const { builder } = state;
    const found = await this.deps.knex('dt_domains').where({ domain: name.trim().toLowerCase() }).first(...SYNC_COLUMNS);
    if (!found) {
      builder.skipped('-', 'unknown_domain');
      return;
    }
    const row = normalizeSyncRow(found);
    builder.summary.total = 1;
    const adapter = this.deps.registrars.get(row.registrar_id);
    if (!adapter) return builder.skipped(row.registrar_id, 'unknown_registrar');
    if (row.status !== 'pending' && row.status !== 'active') return builder.skipped(row.registrar_id, `status_${row.status}`);
    if (row.status === 'pending' && row.failure_code) return builder.skipped(row.registrar_id, 'awaiting_epp_code');
    const lane = this.lane(state, adapter);
    await lane.run(() => this.checkOne(state, adapter, lane, row)).catch((error) => this.failed(state, adapter.id, error));
  }

  private lane(state: RunState, adapter: RegistrarAdapter): RegistrarLane {
    const s = this.deps.settings;
    const lane = new RegistrarLane(
      adapter.id,
      {
        concurrency: s.concurrencyPerRegistrar,
        ratePerSecond: s.ratePerSecondPerRegistrar,
        callTimeoutMs: s.callTimeoutMs,
        retries: s.callRetries,
        retryBackoffMs: s.retryBackoffMs,
        breakerThreshold: s.breakerThreshold,
      },
      state.options.signal,
    );
    lane.whenOpened((error) => {
      state.builder.registrar(adapter.id).down = true;
      this.deps.logger.error({ registrar: adapter.id, error: describe(error) }, 'registrar looks down: skipping its remaining domains in this run');
      if (!state.options.dryRun) {
        state.alerts.push(
          this.deps.notifications.send({ kind: 'admins' }, 'sync.registrar_down', {
            registrar: adapter.id,
            error: describe(error),
            failures: s.breakerThreshold,
          }),
        );
      }
    });
    return lane;
  }

  /**
   * A fixed pool of workers (the registrar's concurrency) pulls rows from keyset cursors, one
   * per status, read one after the other. When the breaker opens or the run is stopped, the
   * workers stop taking rows and whatever is left, read or not, is counted as skipped.
   */
  private async runRegistrar(state: RunState, adapter: RegistrarAdapter, statuses: SyncableStatus[]): Promise<void> {
    const { knex, settings } = this.deps;
    const { options, builder } = state;
    const lane = this.lane(state, adapter);
    const stopped = () => lane.isOpen || !!options.signal?.aborted;
    const reason = () => (options.signal?.aborted ? 'stopped' : 'registrar_down');
    const cursors = new CursorChain(statuses.map((status) => new DomainCursor(knex, { registrarId: adapter.id, status, checkedBefore: options.checkedBefore }, settings.batchSize)));
    // Pending domains being checked: one the check completes may already be on a page of
    // active domains, and is not checked again (`changed` takes over once the change is in).
    const inHand = new Set<number>();
    const worker = async () => {
      while (!stopped()) {
        const row = await cursors.take();
        if (!row) return;
        if (stopped()) return builder.skipped(adapter.id, reason());
        if (state.changed.has(row.id) || inHand.has(row.id)) continue;
        inHand.add(row.id);
        await this.checkOne(state, adapter, lane, row)
          .catch((error) => this.failed(state, adapter.id, error))
          .finally(() => inHand.delete(row.id));
      }
    };
    await Promise.all(Array.from({ length: settings.concurrencyPerRegistrar }, worker));
    if (stopped()) builder.skipped(adapter.id, reason(), (await cursors.remaining()).reduce((sum, n) => sum + n, 0));
  }

  private async checkOne(state: RunState, adapter: RegistrarAdapter, lane: RegistrarLane, row: SyncDomainRow): Promise<void> {
    const { options, builder } = state;
    const ctx = { actor: options.actor, dryRun: !!options.dryRun };
    let applied;
    if (row.status === 'pending') {
      const status = await lane.call('getTransferStatus', () => adapter.getTransferStatus(row.domain, row.registrar_ref ?? undefined));
      if (options.signal?.aborted) throw new LaneClosedError(adapter.id);
      applied = await this.deps.applier.applyTransferStatus(row, status, ctx);
    } else {
      const info = await lane.call('getDomainInfo', () => adapter.getDomainInfo(row.domain));
      if (options.signal?.aborted) throw new LaneClosedError(adapter.id);
      applied = await this.deps.applier.applyRegistryFacts(
        row,
        { sponsoredByUs: info.sponsoredByUs, expiresAt: info.expiresAt, gainingRegistrar: info.sponsoredByUs ? undefined : info.registrar, pendingTransferOut: info.pendingTransferOut ?? null },
        ctx,
      );
    }
    builder.outcome(adapter.id, row.domain, applied.outcome, applied.detail);
    if (applied.outcome === 'unchanged' || applied.outcome === 'raced') {
      if (!ctx.dryRun) state.checked.add(row.id);
    } else state.changed.add(row.id);
    options.onProgress?.(builder.summary);
  }

  private failed(state: RunState, registrarId: string, error: unknown): void {
    const { builder, options } = state;
    if (error instanceof LaneClosedError) builder.skipped(registrarId, options.signal?.aborted ? 'stopped' : 'registrar_down');
    // The manual registrar knows nothing until staff record facts: nothing to compare yet.
    else if (isRegistrarError(error) && error.code === 'unsupported') builder.skipped(registrarId, 'unsupported');
    else {
      const code = isRegistrarError(error) ? error.code : 'internal';
      builder.error(registrarId, code, describe(error));
      if (builder.registrar(registrarId).errors <= 5) this.deps.logger.warn({ registrar: registrarId, code, error: describe(error) }, 'sync could not check a domain');
    }
    options.onProgress?.(builder.summary);
  }
}
