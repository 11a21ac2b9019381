import cliProgress from 'cli-progress';
import { AppError } from '../errors.ts';
import { CHANGE_KINDS, totalChanged, type SyncSummary } from '../sync/sync-summary.ts';
import type { SyncFeature } from '../sync/sync.feature.ts';

export interface SyncCommandDeps {
  /** `module.services.sync` of a host whose migrations have run (start() need not have). */
  sync: Pick<SyncFeature, 'runNow'>;
  output: { out(line: string): void; err(line: string): void };
  /** Where progress goes; a TTY gets a bar with counters, anything else plain lines. Default: process.stderr. */
  progressStream?: NodeJS.WriteStream;
  /** Plain-line progress interval (default 5 s). */
  progressEveryMs?: number;
}

export const SYNC_COMMAND_USAGE = 'sync-domain-statuses [--dry-run] [--domain NAME]';

interface SyncArgs {
  dryRun: boolean;
  domain?: string;
}

export function parseSyncArgs(argv: string[]): SyncArgs | string {
  const args: SyncArgs = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--domain' || arg.startsWith('--domain=')) {
      const value = arg === '--domain' ? argv[++i] : arg.slice('--domain='.length);
      if (!value || value.startsWith('--')) return '--domain needs a domain name';
      args.domain = value.trim().toLowerCase();
    } else return `unknown option ${arg}`;
  }
  return args;
}

/**
 * `domain-transfers sync-domain-statuses`: the run the 05:00 slot and the admin button start,
 * from a terminal. Returns the exit code: 0 done, 1 the run failed, lost its lease or found
 * nothing to sync for --domain, 2 bad arguments or another run already in progress.
 */
export async function runSyncCommand(argv: string[], deps: SyncCommandDeps): Promise<number> {
  const args = parseSyncArgs(argv);
  if (typeof args === 'string') {
    deps.output.err(`sync-domain-statuses: ${args}`);
    deps.output.err(`usage: domain-transfers ${SYNC_COMMAND_USAGE}`);
    return 2;
  }
  const progress = createProgress(deps.progressStream ?? process.stderr, deps.output, deps.progressEveryMs ?? 5000);
  let started;
  try {
    started = await deps.sync.runNow({ trigger: 'cli', dryRun: args.dryRun, domain: args.domain, onProgress: progress.update });
  } catch (error) {
    if (error instanceof AppError && error.messageKey === 'sync:already_running') {
      deps.output.err('sync-domain-statuses: another sync run is in progress; not starting a second one');
      return 2;
    }
    throw error;
  }
  const outcome = await started.done.finally(() => progress.stop());
  const summary = outcome.summary as SyncSummary | null;
  const runLabel = outcome.runId ? ` (run #${outcome.runId})` : '';
  if (!summary) {
    deps.output.err(`sync-domain-statuses: the run ${outcome.status}${runLabel}: ${outcome.error ?? 'no summary'}`);
    return 1;
  }
  for (const line of describeSummary(summary)) deps.output.out(line);
  if (outcome.status !== 'succeeded' || summary.result !== 'ok') {
    deps.output.err(`sync-domain-statuses: the run ${outcome.status === 'lost' ? 'lost its lease and stopped' : outcome.status}${runLabel}${outcome.error ? `: ${outcome.error.split('\n')[0]}` : ''}`);
    return 1;
  }
  if (args.domain && summary.skippedByReason.unknown_domain) {
    deps.output.err(`sync-domain-statuses: no domain ${args.domain} is managed here`);
    return 1;
  }
  deps.output.out(`done${runLabel}`);
  return 0;
}

/** The run in a few plain lines: totals, per registrar, and each change (what a dry run would do). */
export function describeSummary(s: SyncSummary): string[] {
  const changed = CHANGE_KINDS.map((k) => `${k.replace('_', ' ')} ${s.changed[k]}`).join(', ');
  const lines = [
    `${s.dryRun ? 'DRY RUN (nothing was changed): ' : ''}checked ${s.checked} of ${s.total} in ${(s.durationMs / 1000).toFixed(1)}s — ${s.dryRun ? 'would change' : 'changed'} ${totalChanged(s)} (${changed}); unchanged ${s.unchanged}; errors ${s.errors}; skipped ${s.skipped}`,
  ];
  if (Object.keys(s.errorsByCode).length) lines.push(`errors by code: ${Object.entries(s.errorsByCode).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  if (Object.keys(s.skippedByReason).length) lines.push(`skipped: ${Object.entries(s.skippedByReason).map(([r, n]) => `${r} ${n}`).join(', ')}`);
  for (const [id, r] of Object.entries(s.registrars)) {
    lines.push(`  ${id}: checked ${r.checked}, changed ${totalChanged(r)}, errors ${r.errors}, skipped ${r.skipped}${r.down ? ` — DOWN, skipped for this run (${r.lastError})` : ''}`);
  }
  for (const c of s.changes) lines.push(`  ${s.dryRun ? 'would: ' : ''}${c.domain} → ${c.kind}${c.detail ? ` (${c.detail})` : ''}`);
  if (s.changesTruncated) lines.push('  … more changes than listed; the counts above are complete');
  return lines;
}

function doneOf(s: SyncSummary): number {
  const notInTotal = (s.skippedByReason.awaiting_epp_code ?? 0) + (s.skippedByReason.unknown_registrar ?? 0);
  return s.checked + s.errors + s.skipped - notInTotal;
}

function createProgress(stream: NodeJS.WriteStream, output: SyncCommandDeps['output'], everyMs: number) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'sync [{bar}] {value}/{total} | changed {changed} | errors {errors} | skipped {skipped} | {duration_formatted} eta {eta_formatted}',
        hideCursor: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (s: SyncSummary) => {
        const counters = { changed: totalChanged(s), errors: s.errors, skipped: s.skipped };
        if (!started) {
          bar.start(Math.max(s.total, 1), 0, counters);
          started = true;
        }
        bar.setTotal(Math.max(s.total, 1));
        bar.update(doneOf(s), counters);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update: (s: SyncSummary) => {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      output.out(`progress: ${doneOf(s)}/${s.total} checked=${s.checked} changed=${totalChanged(s)} errors=${s.errors} skipped=${s.skipped}`);
    },
    stop: () => undefined,
  };
}
