import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { useMigratedDatabase } from '../support/test-database.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { parseImportTransfersArgs, runImportTransfers } from '../../module/cli/import-transfers.command.ts';
import { countRows, createTransferWorld, databaseText, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-import-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

function progressStream(isTTY: boolean) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk) => (text += String(chunk)));
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream, text: () => text };
}

async function run(world: TransferWorld, argv: string[], tty = false) {
  const args = parseImportTransfersArgs(argv);
  if (typeof args === 'string') throw new Error(args);
  const io = capture();
  const progress = progressStream(tty);
  const services = world.host.module.services;
  const code = await runImportTransfers(args, { bulkImports: services.bulkImports, languages: services.languages, output: io.output, progressStream: progress.stream });
  return { code, ...io, progress: progress.text(), report: fs.existsSync(args.report) ? (parse(fs.readFileSync(args.report), { columns: true }) as Array<Record<string, string>>) : [] };
}

function writeCsv(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('domain-transfers import-transfers', () => {
  it('reads its arguments, and refuses what it cannot use with the reason', () => {
    expect(parseImportTransfersArgs(['a.csv', '--client', '7', '--dry-run'])).toEqual({ file: 'a.csv', client: '7', dryRun: true, report: 'a.report.csv' });
    expect(parseImportTransfersArgs(['b.txt', '--client=7', '--report', 'r.csv'])).toEqual({ file: 'b.txt', client: '7', dryRun: false, report: 'r.csv' });
    expect(parseImportTransfersArgs([])).toBe('the CSV file to import is required');
    expect(parseImportTransfersArgs(['a.csv', '--client'])).toBe('--client needs a value');
    expect(parseImportTransfersArgs(['a.csv', '--force'])).toBe('unknown option --force');
    expect(parseImportTransfersArgs(['a.csv', 'b.csv'])).toBe('one file at a time (also given: b.csv)');
  });

  it('checks every row with a bar on a terminal, orders the accepted ones and reports each row', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.addDomains([{ name: 'cli-a.com' }, { name: 'cli-b.com' }]);
    const file = writeCsv('mixed.csv', 'domain,auth_code\ncli-a.com,"sec,ret-1"\ncli-b.com,secret-2\ndemo-locked.com,secret-3\nnot a name,secret-4\n');
    const result = await run(world, [file, '--client', clientId], true);

    expect(result.code).toBe(0);
    expect(result.progress).toContain('checking [');
    expect(result.out[0]).toBe('checked 4 rows: 2 accepted, 2 refused');
    expect(result.out.join('\n')).toMatch(/order \d+ for client \d+: 2 domain\(s\), invoice \d+ \(\d+\.\d\d USD\)/);
    expect(result.report.map((r) => [r.line, r.domain, r.result])).toEqual([
      ['2', 'cli-a.com', 'accepted'],
      ['3', 'cli-b.com', 'accepted'],
      ['4', 'demo-locked.com', 'refused'],
      ['5', 'not a name', 'refused'],
    ]);
    expect(result.report[0]!.order).toMatch(/^\d+$/);
    expect(result.report[0]!.invoice).toBe(result.report[1]!.invoice);
    expect(result.report[2]!.reason).toMatch(/lock/i);
    expect(result.report[3]!.reason.length).toBeGreaterThan(10);
    expect(await countRows(db, 'dt_transfer_orders', { status: 'awaiting_payment' })).toBe(2);
    expect(await countRows(db, 'host_orders')).toBe(1);
    const everything = await databaseText(db) + fs.readFileSync(path.join(tmp, 'mixed.report.csv'), 'utf8');
    for (const code of ['sec,ret-1', 'secret-2', 'secret-3']) expect(everything).not.toContain(code);
    await world.host.close();
  });

  it('--dry-run orders nothing and keeps no code, with plain progress off a terminal', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const file = writeCsv('dry.csv', 'demo-transferable.com,secret-dry\n');
    const result = await run(world, [file, `--client=${clientId}`, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out.at(-1)).toMatch(/^DRY RUN: nothing was ordered/);
    expect(result.report.map((r) => r.result)).toEqual(['accepted']);
    expect(await countRows(db, 'dt_transfer_orders')).toBe(0);
    expect(await countRows(db, 'host_orders')).toBe(0);
    expect(await db.knex('dt_bulk_import_rows').whereNotNull('code_ciphertext').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(await db.knex('dt_bulk_imports').first('status')).toEqual({ status: 'expired' });
    await world.host.close();
  });

  it('exits 2 with the reason for a file refused whole or missing, and 1 when no row can be ordered', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const binary = writeCsv('sheet.csv', Buffer.from([0x50, 0x4b, 3, 4, 0, 0xff, 0xfe]).toString('latin1'));
    const refused = await run(world, [binary, '--client', clientId]);
    expect(refused.code).toBe(2);
    expect(refused.err).toEqual([expect.stringMatching(/sheet\.csv: This file is not CSV text in UTF-8/)]);
    const missing = await run(world, [path.join(tmp, 'nowhere.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toEqual([expect.stringMatching(/cannot read .*nowhere\.csv \(ENOENT\)/)]);
    const none = await run(world, [writeCsv('none.csv', 'demo-locked.com,secret-5\n'), '--client', clientId]);
    expect(none.code).toBe(1);
    expect(none.err.join('\n')).toContain('No row was accepted');
    expect(await countRows(db, 'host_orders')).toBe(0);
    await world.host.close();
  });
});
