/** What applying one registrar answer did (or, in a dry run, would do) to a domain. */
export type SyncOutcome = 'completed' | 'cancelled' | 'transferred_away' | 'expiry_changed' | 'unchanged' | 'raced';
export type SyncChangeKind = Exclude<SyncOutcome, 'unchanged' | 'raced'>;
export const CHANGE_KINDS: readonly SyncChangeKind[] = ['completed', 'cancelled', 'transferred_away', 'expiry_changed'];

export type SyncMode = 'full' | 'pending';

export interface SyncCounters {
  checked: number;
  changed: Record<SyncChangeKind, number>;
  unchanged: number;
  errors: number;
  skipped: number;
}

export interface RegistrarSummary extends SyncCounters {
  /** The breaker opened: the registrar looked down and its remaining domains were skipped. */
  down: boolean;
  lastError: string | null;
}

export interface SyncSummary extends SyncCounters {
  mode: SyncMode;
  trigger: string;
  dryRun: boolean;
  domain: string | null;
  /** ok: ran to the end; stopped: lost its lease (or was stopped) part-way. */
  result: 'ok' | 'stopped';
  startedAt: string;
  durationMs: number;
  /** Domains the run meant to look at when it started. */
  total: number;
  errorsByCode: Record<string, number>;
  skippedByReason: Record<string, number>;
  registrars: Record<string, RegistrarSummary>;
  /** Each change made (or, dry, that would be made), capped so a summary row stays small. */
  changes: Array<{ domain: string; kind: SyncChangeKind; detail?: string }>;
  changesTruncated: boolean;
}

const CHANGE_LIST_CAP = 200;

export function emptyCounters(): SyncCounters {
  return { checked: 0, changed: { completed: 0, cancelled: 0, transferred_away: 0, expiry_changed: 0 }, unchanged: 0, errors: 0, skipped: 0 };
}

/** Accumulates a run's counts, overall and per registrar, in one place. */
export class SummaryBuilder {
  readonly summary: SyncSummary;
  private readonly startedMs: number;

  constructor(init: { mode: SyncMode; trigger: string; dryRun: boolean; domain: string | null; startedAt: Date }) {
    this.startedMs = performance.now();
    this.summary = {
      ...emptyCounters(),
      mode: init.mode,
      trigger: init.trigger,
      dryRun: init.dryRun,
      domain: init.domain,
      result: 'ok',
      startedAt: init.startedAt.toISOString(),
      durationMs: 0,
      total: 0,
      errorsByCode: {},
      skippedByReason: {},
      registrars: {},
      changes: [],
      changesTruncated: false,
    };
  }

  registrar(id: string): RegistrarSummary {
    return (this.summary.registrars[id] ??= { ...emptyCounters(), down: false, lastError: null });
  }

  outcome(registrarId: string, domain: string, outcome: SyncOutcome, detail?: string): void {
    const r = this.registrar(registrarId);
    this.summary.checked++;
    r.checked++;
    if (outcome === 'unchanged' || outcome === 'raced') {
      this.summary.unchanged++;
      r.unchanged++;
      return;
    }
    this.summary.changed[outcome]++;
    r.changed[outcome]++;
    if (this.summary.changes.length < CHANGE_LIST_CAP) this.summary.changes.push({ domain, kind: outcome, ...(detail ? { detail } : {}) });
    else this.summary.changesTruncated = true;
  }

  error(registrarId: string, code: string, message: string): void {
    const r = this.registrar(registrarId);
    this.summary.errors++;
    r.errors++;
    r.lastError = message;
    this.summary.errorsByCode[code] = (this.summary.errorsByCode[code] ?? 0) + 1;
  }

  skipped(registrarId: string, reason: string, count = 1): void {
    if (count <= 0) return;
    this.summary.skipped += count;
    this.registrar(registrarId).skipped += count;
    this.summary.skippedByReason[reason] = (this.summary.skippedByReason[reason] ?? 0) + count;
  }

  finish(result: SyncSummary['result']): SyncSummary {
    this.summary.result = result;
    this.summary.durationMs = Math.round(performance.now() - this.startedMs);
    return this.summary;
  }
}

export function totalChanged(counters: SyncCounters): number {
  return CHANGE_KINDS.reduce((sum, kind) => sum + counters.changed[kind], 0);
}
