import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { CHANGE_KINDS, type SyncSummary } from '../sync/sync-summary.ts';
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
    const latest = runs.find((r) => r.summary && r.task === daily!.id) ?? runs.find((r) => r.summary);
    const latestSummary = latest?.summary as SyncSummary | undefined;
    pages.render(req, res, 'admin/sync', {
      titleKey: 'sync:title',
      enabled: services.sync.enabled,
      schedule: daily!.schedule,
      timezone: daily!.timezone,
      pendingMinutes: sync.settings.pendingCheckMinutes,
      nextRunAt: sync.scheduler.nextSlot(daily!.id)?.getTime(),
      running: runs.some((r) => r.status === 'running' && r.leaseExpiresAt.getTime() > services.clock.now().getTime()),
      notice: typeof req.query.notice === 'string' && NOTICES.has(req.query.notice) ? req.query.notice : undefined,
      runs: runs.map(toView),
      latest: latestSummary
        ? {
            id: latest!.id,
            registrars: Object.entries(latestSummary.registrars).map(([id, r]) => ({ id, ...r, changedTotal: CHANGE_KINDS.reduce((n, k) => n + r.changed[k], 0) })),
            changes: latestSummary.changes,
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
