import type { Knex } from 'knex';
import pLimit from 'p-limit';
import type { Clock } from '../host-context.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import { AppError } from '../errors.ts';
import { normalizeDomain } from '../transfer-in/domain-name.ts';
import { TransferRefusedError, type OpenHolders, type TransferEligibility } from '../transfer-in/transfer-eligibility.service.ts';

/** Results written per round: progress moves at least this often. */
const ROUND = 200;
/** Rows read per page. */
const PAGE = 1000;

interface Checked {
  line: number;
  domain: string;
  outcome: 'accepted' | 'refused';
  reason_key: string | null;
  reason_params: string | null;
  registrar_id: string | null;
  amount_minor: number | null;
  currency: string | null;
}

/**
 * BulkTransferCheckJob: checks the unchecked rows of one import with the same eligibility as a
 * single order (the registry's rules, an open order or a managed domain), `concurrency` at a
 * time, and records each row's result and the import's progress after every round. Resumable:
 * a worker that dies mid-way leaves the rest unchecked, and the next attempt starts there.
 * A registrar that cannot be reached fails the attempt (retried with backoff) rather than
 * refusing rows that might be fine.
 */
export function createBulkCheckJob(deps: BulkCheckDeps): JobHandler {
  return {
    run: (payload) => checkBulkImport(deps, Number(payload.importId)),
  };
}

interface BulkCheckDeps {
  knex: Knex;
  clock: Clock;
  eligibility: TransferEligibility;
  concurrency: number;
}

/** The check itself, for the job and for the command line (which runs it in its own process). */
export async function checkBulkImport(deps: BulkCheckDeps, importId: number): Promise<void> {
  const { knex, clock, eligibility } = deps;
  const limit = pLimit(deps.concurrency);
  const done: Checked[] = [];
  let writes = Promise.resolve();
  // Results are written a round at a time, one write after another, while checks go on.
  const write = () => {
    const round = done.splice(0);
    if (round.length) writes = writes.then(() => record(knex, importId, round, clock.now().getTime()));
    return writes;
  };
  // Pages of rows are read ahead, so the checks run without a pause between pages: the
  // next page is queued behind the current one before the current one is waited for.
  let afterLine = 0;
  let previous: Promise<unknown> = Promise.resolve();
  for (;;) {
    const state = await knex('dt_bulk_imports').where({ id: importId }).first('status');
    if (state?.status !== 'checking') break;
    const rows: Array<{ line: number; domain: string; client_id: string }> = await knex('dt_bulk_import_rows')
      .where({ import_id: importId, outcome: 'unchecked' })
      .andWhere('line', '>', afterLine)
      .orderBy('line')
      .limit(PAGE)
      .select('line', 'domain', 'client_id');
    if (!rows.length) break;
    afterLine = rows.at(-1)!.line;
    // Who holds these names here, for the whole page in two queries rather than two per row.
    const holders = await eligibility.openHolders(rows.map((row) => row.domain));
    const current = Promise.all(
      rows.map((row) =>
        limit(async () => {
          done.push(await check(eligibility, row, holders));
          if (done.length >= ROUND) await write();
        }),
      ),
    );
    // Waited for below; marked handled now so a failure meanwhile is not an unhandled rejection.
    current.catch(() => {});
    await previous;
    previous = current;
  }
  await previous;
  await write();
  await knex('dt_bulk_imports').where({ id: importId, status: 'checking' }).update({ status: 'ready', updated_at: clock.now().getTime() });
}

async function check(eligibility: TransferEligibility, row: { line: number; domain: string; client_id: string }, holders: OpenHolders): Promise<Checked> {
  const base = { line: row.line, domain: row.domain, registrar_id: null, amount_minor: null, currency: null };
  try {
    const quote = await eligibility.check(normalizeDomain(row.domain), row.client_id, holders);
    return { ...base, outcome: 'accepted', reason_key: null, reason_params: null, registrar_id: quote.registrarId, amount_minor: quote.amountMinor, currency: quote.currency };
  } catch (error) {
    if (error instanceof TransferRefusedError) {
      // Every unmet rule, so the admin sees all that stands in the way, not only the first.
      return { ...base, outcome: 'refused', reason_key: error.messageKey, reason_params: JSON.stringify({ ...error.params, reasons: error.reasons }) };
    }
    // 424: the registry could not be asked. Not the row's fault: the attempt fails and is retried.
    if (error instanceof AppError && error.status < 500 && error.status !== 424) return { ...base, outcome: 'refused', reason_key: error.messageKey, reason_params: JSON.stringify(error.params) };
    throw error;
  }
}

/** One round's results and the import's counts, together. */
async function record(knex: Knex, importId: number, results: Checked[], now: number): Promise<void> {
  await knex.transaction(async (trx) => {
    // One statement for the round: each row is there already, so the insert only ever updates.
    await trx('dt_bulk_import_rows')
      .insert(results.map((r) => ({ import_id: importId, ...r })))
      .onConflict(['import_id', 'line'])
      .merge(['outcome', 'reason_key', 'reason_params', 'registrar_id', 'amount_minor', 'currency']);
    const accepted = results.filter((r) => r.outcome === 'accepted').length;
    await trx('dt_bulk_imports')
      .where({ id: importId })
      .update({ checked_rows: trx.raw('checked_rows + ?', [results.length]), accepted_rows: trx.raw('accepted_rows + ?', [accepted]), updated_at: now });
  });
}
