import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { CHANGE_KINDS, totalChanged, type SyncSummary } from '../sync/sync-summary.ts';
import { describeSchedule } from '../sync/schedule-words.ts';
import type { CronRunRow } from '../../cron/cron-run.store.ts';

const NOTICES = new Set(['started', 'already_running']);

/**
 * Admin → Sync: when the domain status sync runs, what its recent runs did, and "Run sync
 * now", which starts the same task the 05:00 slot runs and returns at once.
 */
export function adminSyncRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/sync', async (req, res) => {
    const { sync } = services;
    const runs = await sync.recentRuns(30);
    const [daily] = sync.tasks;
    const now = services.clock.now().getTime();
    const inProgress = runs.find((r) => r.status === 'running' && r.leaseExpiresAt.getTime() > now);
    // The last run that finished: a run in progress has only a partial summary.
    const finished = runs.filter((r) => r.status !== 'running' && r.summary);
    const latest = finished.find((r) => r.task === daily!.id) ?? finished[0];
    const latestSummary = latest?.summary as unknown as SyncSummary | undefined;
    const progress = (inProgress?.summary ?? undefined) as unknown as SyncSummary | undefined;
    const notice = typeof req.query.notice === 'string' && NOTICES.has(req.query.notice) ? req.query.notice : undefined;
    pages.render(req, res, 'admin/sync', {
      titleKey: 'sync:title',
      enabled: services.sync.enabled,
      scheduleWords: describeSchedule(daily!.schedule, pages.t(req)),
      timezone: daily!.timezone,
      pendingMinutes: sync.settings.pendingCheckMinutes,
      nextRunAt: sync.scheduler.nextSlot(daily!.id)?.getTime(),
      running: Boolean(inProgress),
      // While a run goes on the page refreshes itself (every few seconds without JavaScript).
      refreshSeconds: inProgress ? 3 : undefined,
      inProgress: inProgress
        ? {
            id: inProgress.id,
            done: progress ? progress.checked + progress.errors + progress.skipped : 0,
            total: progress?.total ?? 0,
            changed: progress ? totalChanged(progress) : 0,
            errors: progress?.errors ?? 0,
            skipped: progress?.skipped ?? 0,
          }
        : undefined,
      // "Started" means nothing once the run has finished.
      notice: notice === 'started' && !inProgress ? undefined : notice,
      runs: runs.map(toView),
      latest: latestSummary
        ? {
            id: latest!.id,
            registrars: Object.entries(latestSummary.registrars).map(([id, r]) => ({ id, ...r, changedTotal: CHANGE_KINDS.reduce((n, k) => n + r.changed[k], 0) })),
            changes: latestSummary.changes.map((change) => ({ ...change, ...changeDetail(change.kind, change.detail) })),
            changesTruncated: latestSummary.changesTruncated,
            errorsByCode: Object.entries(latestSummary.errorsByCode).map(([code, count]) => ({ code, count })),
            skippedByReason: Object.entries(latestSummary.skippedByReason).map(([reason, count]) => ({ reason, count })),
          }
        : undefined,
    });
  });

  on('POST', '/sync/run', async (req, res) => {
    try {
      const started = await services.sync.runNow({ trigger: 'admin' });
      void started.done.catch(() => undefined);
      res.redirect(303, `${req.baseUrl}/sync?notice=started`);
    } catch (error) {
      if ((error as { messageKey?: string }).messageKey === 'sync:already_running') return res.redirect(303, `${req.baseUrl}/sync?notice=already_running`);
      throw error;
    }
  });
}

function toView(run: CronRunRow) {
  const s = run.summary as SyncSummary | null;
  return {
    id: run.id,
    task: run.task,
    trigger: run.trigger,
    status: run.status,
    slotAt: run.slotAt?.getTime(),
    startedAt: run.startedAt.getTime(),
    domain: run.domain,
    durationSeconds: s ? (s.durationMs / 1000).toFixed(1) : undefined,
    checked: s?.checked,
    changed: s?.changed,
    errors: s?.errors,
    skipped: s?.skipped,
    stopped: s?.result === 'stopped',
    error: run.error?.split('\n')[0],
  };
}

/**
 * A change's detail in the reader's terms: the sync records it in English (an ISO date, "now
 * at X"); the page shows a date it formats, or the other registrar's name in a sentence.
 */
function changeDetail(kind: string, detail: string | undefined): { detailDate?: string; detailRegistrar?: string; detailText?: string } {
  if (!detail) return {};
  const dates = detail.match(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g);
  if ((kind === 'completed' || kind === 'expiry_changed') && dates?.length) return { detailDate: dates[dates.length - 1] };
  const elsewhere = /^now at (.+)$/.exec(detail);
  if (kind === 'transferred_away' && elsewhere) return { detailRegistrar: elsewhere[1] };
  return { detailText: detail };
}
