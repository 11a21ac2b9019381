import fs from 'node:fs';
import cliProgress from 'cli-progress';
import { AppError } from '../errors.ts';
import { csvField } from '../csv-field.ts';
import type { BulkImportLine, BulkImportRow, BulkImportService } from '../bulk/bulk-import.service.ts';
import type { Languages } from '../i18n.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';

export const IMPORT_TRANSFERS_USAGE = 'import-transfers FILE.csv [--client ID] [--dry-run] [--report FILE]';

export interface ImportTransfersArgs {
  file: string;
  client?: string;
  dryRun: boolean;
  report: string;
}

export function parseImportTransfersArgs(argv: string[]): ImportTransfersArgs | string {
  let file: string | undefined;
  let client: string | undefined;
  let report: string | undefined;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (name: string) => (arg === name ? argv[++i] : arg.slice(name.length + 1));
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--client' || arg.startsWith('--client=')) client = value('--client');
    else if (arg === '--report' || arg.startsWith('--report=')) report = value('--report');
    else if (arg.startsWith('--')) return `unknown option ${arg}`;
    else if (file === undefined) file = arg;
    else return `one file at a time (also given: ${arg})`;
    if ((arg === '--client' || arg === '--report') && (!argv[i] || argv[i]!.startsWith('--'))) return `${arg} needs a value`;
  }
  if (!file) return 'the CSV file to import is required';
  if (client !== undefined && !client.trim()) return '--client needs a client id';
  return { file, client: client?.trim(), dryRun, report: report ?? `${file.replace(/\.csv$/i, '')}.report.csv` };
}

export interface ImportTransfersDeps {
  bulkImports: BulkImportService;
  languages: Languages;
  output: { out(line: string): void; err(line: string): void };
  /** Where progress goes; a TTY gets a bar, anything else a line now and then. Default: process.stderr. */
  progressStream?: NodeJS.WriteStream;
}

/**
 * `domain-transfers import-transfers FILE.csv`: the admin's bulk transfer from a terminal. The
 * file is read and every row checked as on the Bulk transfers page; then, unless --dry-run, the
 * accepted rows are ordered (one order and invoice per client). Each row's result goes to the
 * report file. Exit code: 0 done, 1 no row could be ordered, 2 bad arguments or a file refused
 * whole (its reason on one line).
 */
export async function runImportTransfers(args: ImportTransfersArgs, deps: ImportTransfersDeps): Promise<number> {
  const { bulkImports: service, output } = deps;
  const english = (key: string, params: Record<string, unknown> = {}) => deps.languages.i18n.t(key, { ...params, lng: 'en' });
  let input: fs.ReadStream;
  try {
    await fs.promises.access(args.file, fs.constants.R_OK);
    input = fs.createReadStream(args.file);
  } catch (error) {
    output.err(`import-transfers: cannot read ${args.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return 2;
  }
  let bulk: BulkImportRow;
  try {
    bulk = await service.createFromCsv(input, { actor: 'cli', defaultClientId: args.client, queueCheck: false });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) {
      output.err(`import-transfers: ${args.file}: ${english(error.messageKey, error.params)}`);
      return 2;
    }
    throw error;
  } finally {
    input.destroy();
  }

  const progress = showProgress(deps.progressStream ?? process.stderr, output, bulk.total_rows);
  const polling = setInterval(() => void service.byId(bulk.id).then((row) => progress.update(row.checked_rows), () => undefined), 250);
  try {
    await service.checkNow(bulk.id);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // The registry could not be asked: nothing is ordered, and the codes read are deleted.
    await service.discard(bulk.id);
    output.err(`import-transfers: ${english(error.messageKey, error.params)} Nothing was ordered; run the import again later.`);
    return 1;
  } finally {
    clearInterval(polling);
    progress.stop((await service.byId(bulk.id)).checked_rows);
  }
  const counts = await service.outcomes(bulk.id);
  output.out(`checked ${bulk.total_rows} rows: ${counts.accepted} accepted, ${counts.refused} refused${counts.unchecked ? `, ${counts.unchecked} not checked` : ''}`);

  if (args.dryRun) {
    await service.discard(bulk.id);
    await writeReport(service, bulk.id, args.report, english);
    output.out(`DRY RUN: nothing was ordered and the codes read are deleted; each row's result is in ${args.report}`);
    return counts.accepted ? 0 : 1;
  }
  if (!counts.accepted) {
    await service.discard(bulk.id);
    await writeReport(service, bulk.id, args.report, english);
    output.err(`import-transfers: ${english('bulk:errors.nothing_accepted')} See ${args.report}.`);
    return 1;
  }
  await service.confirmNow(bulk.public_id, 'cli');
  await writeReport(service, bulk.id, args.report, english);
  for (const order of await service.ordersOf(bulk.id)) {
    output.out(`order ${order.order_id} for client ${order.client_id}: ${order.domains} domain(s), invoice ${order.invoice_id} (${(order.total_minor / 100).toFixed(2)} ${order.currency})`);
  }
  output.out(`ordered ${(await service.outcomes(bulk.id)).accepted} domain(s); their transfers start when the invoices are paid. Each row's result is in ${args.report}`);
  return 0;
}

/** One line per row of the file: its result, the reason in English, and its order. */
async function writeReport(service: BulkImportService, importId: number, file: string, english: (key: string, params?: Record<string, unknown>) => string): Promise<void> {
  const orders = new Map<number, { order_id: string; invoice_id: string }>();
  for (const row of await service.orderLinks(importId)) orders.set(row.line, row);
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const write = (line: string) => (out.write(`${line}\r\n`) ? undefined : new Promise<void>((resolve) => out.once('drain', resolve)));
  await write(['line', 'domain', 'client', 'result', 'reason', 'order', 'invoice'].join(','));
  let afterLine = 0;
  for (;;) {
    const page = await service.lines(importId, { afterLine, limit: 1000 });
    if (!page.length) break;
    for (const line of page) {
      const order = orders.get(line.line);
      await write([line.line, toUnicode(line.domain), line.client_id, line.outcome, reasonText(line, english), order?.order_id, order?.invoice_id].map(csvField).join(','));
    }
    afterLine = page.at(-1)!.line;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function reasonText(line: BulkImportLine, english: (key: string, params?: Record<string, unknown>) => string): string {
  if (!line.reason_key) return '';
  const params = line.reason_params ? (JSON.parse(line.reason_params) as Record<string, unknown>) : {};
  if (Array.isArray(params.reasons)) return (params.reasons as Array<{ rule: string; params?: Record<string, unknown> }>).map((r) => english(`rules:${r.rule}`, r.params)).join(' ');
  return english(line.reason_key, params);
}

function showProgress(stream: NodeJS.WriteStream, output: ImportTransfersDeps['output'], total: number) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({ stream, format: 'checking [{bar}] {value}/{total} rows | {duration_formatted} eta {eta_formatted}', hideCursor: true, fps: 10 }, cliProgress.Presets.shades_classic);
    bar.start(Math.max(total, 1), 0);
    return { update: (checked: number) => bar.update(checked), stop: (checked: number) => (bar.update(checked), bar.stop()) };
  }
  let last = Date.now();
  return {
    update: (checked: number) => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      output.out(`progress: ${checked}/${total} rows checked`);
    },
    stop: () => undefined,
  };
}
