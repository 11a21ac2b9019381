import { JOB_STATUSES } from '../jobs/job-queue.ts';
import type { TFunction } from 'i18next';
import type { PageKit } from './page-kit.ts';
import { permissionFor, type DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import type { Locale } from '../i18n.ts';
import { DOMAIN_STATUSES } from '../domains/domain-status.machine.ts';
import { TRANSFER_OUTCOMES, type LastSyncRun, type TransferOutcome, type TransfersOnDay } from '../domains/dashboard.queries.ts';
import { CHANGE_KINDS } from '../sync/sync-summary.ts';
import { formatDate } from './view-renderer.ts';
import { transferChartSvg } from './transfer-chart.svg.ts';

const CHART_DAYS = 30;

/** A "needs action" line: how many, what (in words), and the list that shows them. */
interface NeedsActionItem {
  id: string;
  count: number;
  label: string;
  href: string;
}

/**
 * Admin → Dashboard: domains and jobs by status, what needs someone, the last status sync and
 * 30 days of transfers. Jobs, the sync and registrar tasks have their own permissions: their
 * parts show only to an admin who may open their pages.
 */
export function adminDashboardRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/dashboard', async (req, res) => {
    const { dashboard } = services;
    const may = (path: string) => pages.can(req, permissionFor('GET', path) ?? '');
    const [showJobs, showSync, showTasks] = [may('/jobs'), may('/sync'), may('/registrars/manual-tasks')];
    const [domains, failed, stuck, transferOuts, transfers, jobs, openTasks, lastRun] = await Promise.all([
      dashboard.domainsByStatus(),
      dashboard.failedTransfers(),
      dashboard.stuckTransfers(),
      dashboard.pendingTransferOuts(),
      dashboard.transfersPerDay(CHART_DAYS),
      showJobs ? dashboard.jobsByStatus() : undefined,
      showTasks ? dashboard.openManualTasks() : undefined,
      showSync ? dashboard.lastSyncRun() : undefined,
    ]);
    const t = pages.t(req);
    const line = (id: string, count: number, href: string, params: Record<string, unknown> = {}): NeedsActionItem => ({
      id,
      count,
      label: t(`dashboard:needs_action.${id}`, { ...params, count }),
      href,
    });
    const needsAction = [
      line('awaiting_code', failed.awaitingCode, '/domains?status=pending'),
      line('awaiting_admin', failed.awaitingAdmin, '/domains?status=pending'),
      jobs && line('dead_jobs', jobs.dead, '/jobs?status=dead'),
      line('stuck', stuck, '/domains?status=pending', { days: t('dashboard:days', { count: dashboard.stuckAfterDays }) }),
      line('transfer_outs', transferOuts, '/domains?status=active'),
      openTasks !== undefined && line('manual_tasks', openTasks, '/registrars/manual-tasks'),
    ].filter((item): item is NeedsActionItem => Boolean(item) && (item as NeedsActionItem).count > 0);
    const chart = chartView(transfers, t, pages.locale(req));

    pages.render(req, res, 'admin/dashboard', {
      titleKey: 'dashboard:title',
      domainCounts: DOMAIN_STATUSES.map((status) => ({ status, count: domains[status] })),
      jobCounts: jobs ? JOB_STATUSES.map((status) => ({ status, count: jobs[status] })) : undefined,
      needsAction,
      showSync,
      lastSync: lastRun ? syncView(lastRun) : undefined,
      chart: chart.view,
      // Printed unescaped: transferChartSvg escapes every text it writes (see its tests).
      chartSvg: chart.svg,
    });
  });
}

/** The last sync run as the dashboard shows it: when, how it ended, and its figures. */
function syncView(run: LastSyncRun) {
  const s = run.summary;
  return {
    id: run.id,
    task: run.task,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt.getTime(),
    durationSeconds: s ? (s.durationMs / 1000).toFixed(1) : undefined,
    stopped: s?.result === 'stopped',
    figures: s ? { checked: s.checked, changed: CHANGE_KINDS.map((kind) => ({ kind, count: s.changed[kind] ?? 0 })), errors: s.errors, skipped: s.skipped } : undefined,
    error: run.error?.split('\n')[0],
  };
}

/** The chart (as SVG) and the same figures as table rows, in the reader's language. */
function chartView(days: TransfersOnDay[], t: TFunction, locale: Locale) {
  // The days are UTC days, so their names are too, whatever zone the pages show times in.
  const tick = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const named = days.map((day) => ({ ...day, date: formatDate(day.day, 'date', locale, 'UTC'), tick: tick.format(day.day) }));
  const totals = Object.fromEntries(TRANSFER_OUTCOMES.map((o) => [o, days.reduce((sum, day) => sum + day.counts[o], 0)])) as Record<TransferOutcome, number>;
  const series = Object.fromEntries(TRANSFER_OUTCOMES.map((o) => [o, t(`dashboard:chart.series.${o}`)])) as Record<TransferOutcome, string>;
  const svg = transferChartSvg({
    label: t('dashboard:chart.label', { ...totals, days: days.length }),
    series,
    idPrefix: 'dashboard-transfers',
    days: named.map((day) => ({
      tick: day.tick,
      counts: day.counts,
      titles: Object.fromEntries(TRANSFER_OUTCOMES.map((o) => [o, t(`dashboard:chart.bar.${o}`, { date: day.date, count: day.counts[o] })])) as Record<TransferOutcome, string>,
    })),
  });
  return {
    svg,
    view: {
      empty: TRANSFER_OUTCOMES.every((o) => totals[o] === 0),
      series: TRANSFER_OUTCOMES.map((o) => ({ outcome: o, name: series[o] })),
      rows: named.map((day) => ({ dayName: day.date, ...day.counts })),
      totals,
    },
  };
}
