import type { Knex } from 'knex';

export interface SoakReport {
  lines: string[];
  problems: string[];
  unfinishedJobs: number;
}

const count = (rows: Array<Record<string, unknown>>, key: string) => rows.map((r) => `${r[key]}=${r.n}`).join(' ');

/** Whether the promises held: every job ended, every paid order has one registry transfer or a final reason. */
export async function soakReport(knex: Knex): Promise<SoakReport> {
  const lines: string[] = [];
  const problems: string[] = [];
  const jobs = (await knex('dt_jobs').select('type', 'status').count({ n: '*' }).groupBy('type', 'status').orderBy(['type', 'status'])) as Array<{ type: string; status: string; n: number | string }>;
  const unfinishedJobs = jobs.filter((j) => j.status === 'queued' || j.status === 'running').reduce((sum, j) => sum + Number(j.n), 0);
  lines.push(`jobs: ${jobs.map((j) => `${j.type}/${j.status}=${j.n}`).join(' ')}`);
  const attempts: Array<Record<string, unknown>> = await knex('dt_jobs').where({ type: 'TransferDomainJob' }).select('attempts').count({ n: '*' }).groupBy('attempts').orderBy('attempts');
  lines.push(`TransferDomainJob attempts: ${count(attempts, 'attempts')}`);

  const orders: Array<{ domain: string; status: string; failure_code: string | null; failure_reason: string | null }> = await knex('dt_transfer_orders').select('domain', 'status', 'failure_code', 'failure_reason');
  const byStatus = new Map<string, number>();
  for (const o of orders) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  lines.push(`orders: ${[...byStatus].map(([s, n]) => `${s}=${n}`).join(' ')}`);
  const failures = new Map<string, number>();
  for (const o of orders.filter((o) => o.failure_code)) failures.set(o.failure_code!, (failures.get(o.failure_code!) ?? 0) + 1);
  if (failures.size) lines.push(`final reasons: ${[...failures].map(([c, n]) => `${c}=${n}`).join(' ')}`);

  const requests: Array<{ domain: string; n: number | string }> = await knex('dt_sandbox_transfers').select('domain').count({ n: '*' }).groupBy('domain');
  const perDomain = new Map(requests.map((r) => [r.domain, Number(r.n)]));
  const buckets = { zero: 0, one: 0, more: 0 };
  for (const o of orders) {
    const n = perDomain.get(o.domain) ?? 0;
    if (n === 0) buckets.zero++;
    else if (n === 1) buckets.one++;
    else buckets.more++;
    if (n >= 2) problems.push(`${o.domain}: ${n} transfer requests reached the registry`);
    if (o.status === 'submitted' && n !== 1) problems.push(`${o.domain}: submitted, but the registry holds ${n} requests`);
    if (o.status === 'failed' && !o.failure_reason) problems.push(`${o.domain}: failed without a reason`);
    if (o.status === 'failed' && n > 0) problems.push(`${o.domain}: failed (${o.failure_code}), but the registry holds our request`);
    if (o.status === 'queued' || o.status === 'awaiting_payment') problems.push(`${o.domain}: still ${o.status}`);
  }
  lines.push(`registry transfer requests per domain: 0=${buckets.zero} 1=${buckets.one} ≥2=${buckets.more}`);
  if (unfinishedJobs) problems.push(`${unfinishedJobs} job(s) not finished`);
  return { lines, problems, unfinishedJobs };
}
