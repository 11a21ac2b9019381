import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { listJobs, parseJobListQuery } from '../jobs/job-list.query.ts';
import { JOB_STATUSES } from '../jobs/job-queue.ts';
import { PAGE_SIZES } from '../domains/domain-list.query.ts';
import { listQueryString, withParams } from './list-links.ts';

/** Admin → Jobs: the durable job table, dead jobs first to catch the eye, and Retry. */
export function adminJobRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  // The job types the module runs are the ones it has handlers for.
  const JOB_TYPES = Object.keys(services.jobHandlers);
  on('GET', '/jobs', async (req, res) => {
    const query = parseJobListQuery(req.query as Record<string, unknown>, JOB_TYPES);
    const [page, counts] = await Promise.all([listJobs(services.knex, query), services.queue.counts()]);
    const current = listQueryString(req.query as Record<string, unknown>);
    pages.render(req, res, 'admin/jobs', {
      titleKey: 'jobs:title',
      jobs: page.rows.map((j) => ({ ...j, payloadText: j.payload })),
      counts: JOB_STATUSES.map((s) => ({ status: s, count: counts[s], selected: s === query.status })),
      statuses: JOB_STATUSES.map((s) => ({ value: s, selected: s === query.status })),
      types: JOB_TYPES.map((t) => ({ value: t, selected: t === query.type })),
      sizes: PAGE_SIZES.map((n) => ({ value: n, selected: n === query.limit })),
      ascending: query.dir === 'asc',
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
      nextHref: page.next ? `?${withParams(current, { after: page.next })}` : undefined,
      firstHref: query.after ? `?${withParams(current, { after: undefined })}` : undefined,
    });
  });

  on('POST', '/jobs/:id/retry', async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
    const job = await services.queue.get(id);
    if (!job) throw new NotFoundError();
    if (job.status !== 'dead') throw new ConflictError('jobs:not_retryable', { status: job.status });
    await services.retryDeadJob(job);
    res.redirect(303, `${req.baseUrl}/jobs?notice=retried`);
  });
}
