import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { JobStatus } from '../jobs/job-queue.ts';

const STATUSES: JobStatus[] = ['queued', 'running', 'done', 'dead'];

/** Admin → Jobs: the durable job table, dead jobs first to catch the eye, and Retry. */
export function adminJobRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/jobs', async (req, res) => {
    const status = STATUSES.find((s) => s === req.query.status);
    const [jobs, counts] = await Promise.all([services.queue.list({ status, limit: 200 }), services.queue.counts()]);
    pages.render(req, res, 'admin/jobs', {
      titleKey: 'jobs:title',
      jobs: jobs.map((j) => ({ ...j, payloadText: j.payload })),
      counts: STATUSES.map((s) => ({ status: s, count: counts[s], selected: s === status })),
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
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
