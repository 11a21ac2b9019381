import { Readable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { DEMO, TEST_ENCRYPTION_KEY } from '../../host/test/host.test-support.ts';
import { SecretBox } from '../../module/secret-box.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { createTransferWorld, databaseText, orderTransfer, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { BulkFileError } from '../../module/bulk/transfer-csv.reader.ts';
import { bulkCodeAad } from '../../module/bulk/bulk-import.service.ts';

const db = useMigratedDatabase();
const CODE_A = 'Aa1<>&"\'+$%\\ 码';

async function clientIdOf(world: TransferWorld): Promise<string> {
  return String((await world.host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
}

const csv = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

describe('bulk transfer by CSV: reading and checking', () => {
  it('checks every row like a single order and keeps each result, with codes sealed and never shown back', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const world = await createTransferWorld(db, { logger });
    const clientId = await clientIdOf(world);
    await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.addDomains([{ name: 'already-ordered.com' }]);
    expect((await orderTransfer(world, 'already-ordered.com', SANDBOX_DEMO_AUTH_CODE)).status).toBe(303);
    const body = [
      'domain,auth_code',
      `demo-transferable.com,"${CODE_A.replace(/"/g, '""')}"`,
      'DEMO-TRANSFERABLE.COM,another1',
      'demo-locked.com,code1234',
      'demo-new.com,code1234',
      'already-ordered.com,code1234',
      'not a domain,code1234',
      'demo-expiring.com,ab',
      'demo-ours.com,code1234,extra',
    ].join('\r\n');
    const created = await world.host.module.services.bulkImports.createFromCsv(csv(body), { actor: 'admin:1', defaultClientId: clientId });
    expect(created).toMatchObject({ status: 'checking', total_rows: 8, checked_rows: 4 });
    await runJobs(world);

    const service = world.host.module.services.bulkImports;
    const done = await service.byPublicId(created.public_id);
    expect(done).toMatchObject({ status: 'ready', total_rows: 8, checked_rows: 8, accepted_rows: 1 });
    const rows = await service.lines(done.id);
    expect(rows.map((r) => [r.line, r.domain, r.outcome, r.reason_key])).toEqual([
      [2, 'demo-transferable.com', 'accepted', null],
      [3, 'demo-transferable.com', 'refused', 'bulk:row.duplicate'],
      [4, 'demo-locked.com', 'refused', 'rules:locked_client_in'],
      [5, 'demo-new.com', 'refused', 'rules:too_new'],
      [6, 'already-ordered.com', 'refused', 'rules:open_transfer_exists'],
      [7, 'not a domain', 'refused', 'transfer:errors.domain_not_a_name'],
      [8, 'demo-expiring.com', 'refused', 'transfer:errors.code_length'],
      [9, 'demo-ours.com', 'refused', 'bulk:row.extra_columns'],
    ]);
    expect(JSON.parse(rows[1]!.reason_params!)).toEqual({ line: 2 });
    expect(rows[0]).toMatchObject({ amount_minor: expect.any(Number), currency: 'USD' });
    expect(await service.outcomes(done.id)).toEqual({ unchecked: 0, accepted: 1, refused: 7 });

    // Sealed to its own row: the ciphertext opens there and nowhere else.
    const stored = await db.knex('dt_bulk_import_rows').where({ import_id: done.id, line: 2 }).first();
    const box = new SecretBox(TEST_ENCRYPTION_KEY);
    expect(box.open(stored.code_ciphertext, bulkCodeAad(done.id, 2, 'demo-transferable.com'))).toBe(CODE_A);
    expect(() => box.open(stored.code_ciphertext, bulkCodeAad(done.id, 3, 'demo-transferable.com'))).toThrow();
    expect(() => box.open(stored.code_ciphertext, bulkCodeAad(done.id + 1, 2, 'demo-transferable.com'))).toThrow();
    const everything = await databaseText(db);
    for (const code of [CODE_A, 'another1']) {
      expect(everything).not.toContain(code);
      expect(lines.join('\n')).not.toContain(code);
    }
    await world.host.close();
  });

  it('refuses a file as a whole and leaves nothing of it behind', async () => {
    const world = await createTransferWorld(db, { config: { bulk: { maxRows: 2 } } });
    const clientId = await clientIdOf(world);
    const service = world.host.module.services.bulkImports;
    for (const [body, problem] of [
      ['a.com,code1\nb.com,code2\nc.com,code3\n', 'too_many_rows'],
      ['domain,auth_code\n', 'no_rows'],
      ['\u0000\u0001binary', 'not_csv'],
    ] as const) {
      const error = await service.createFromCsv(csv(body), { actor: 'admin:1', defaultClientId: clientId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BulkFileError);
      expect((error as BulkFileError).problem).toBe(problem);
    }
    expect(await db.knex('dt_bulk_imports').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(await db.knex('dt_bulk_import_rows').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });

  it('takes each row’s client from a client column, refusing unknown clients and rows with none', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world);
    const service = world.host.module.services.bulkImports;
    const created = await service.createFromCsv(csv(`client,domain,auth_code\n${clientId},demo-transferable.com,code1234\n999999,demo-locked.com,code1234\n,demo-new.com,code1234\n`), { actor: 'admin:1' });
    const rows = await service.lines(created.id);
    expect(rows.map((r) => [r.domain, r.client_id, r.outcome, r.reason_key])).toEqual([
      ['demo-transferable.com', clientId, 'unchecked', null],
      ['demo-locked.com', '999999', 'refused', 'bulk:row.unknown_client'],
      ['demo-new.com', null, 'refused', 'bulk:row.no_client'],
    ]);
    await world.host.close();
  });

  it('expires a preview nobody confirmed after its hour, purging its sealed codes', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world);
    const service = world.host.module.services.bulkImports;
    const created = await service.createFromCsv(csv('demo-transferable.com,code1234\ndemo-locked.com,code5678\n'), { actor: 'admin:1', defaultClientId: clientId });
    await runJobs(world);
    world.clock.advance(59 * 60_000);
    expect(await service.expireStale()).toBe(0);
    expect(await db.knex('dt_bulk_import_rows').whereNotNull('code_ciphertext').count({ n: '*' }).first()).toMatchObject({ n: 2 });
    world.clock.advance(2 * 60_000);
    expect(await service.expireStale()).toBe(1);
    expect((await service.byPublicId(created.public_id)).status).toBe('expired');
    expect(await db.knex('dt_bulk_import_rows').whereNotNull('code_ciphertext').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });

  it('retries the check when the registry cannot be asked, refusing no row for it, and finishes where it stopped', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, backoffBaseMs: 1000 } } });
    const clientId = await clientIdOf(world);
    const sandbox = world.host.module.registrars.get('sandbox') as SandboxAdapter;
    await sandbox.registry.addDomains(Array.from({ length: 30 }, (_, i) => ({ name: `bulk-${i}.com` })));
    await sandbox.registry.injectFault('getDomainInfo', 'transient', 3);
    const service = world.host.module.services.bulkImports;
    const body = Array.from({ length: 30 }, (_, i) => `bulk-${i}.com,code-${i}`).join('\n');
    const created = await service.createFromCsv(csv(body), { actor: 'admin:1', defaultClientId: clientId });
    await runJobs(world);
    expect((await service.byPublicId(created.public_id)).status).toBe('checking');
    expect(await db.knex('dt_jobs').where({ type: 'BulkTransferCheckJob' }).first()).toMatchObject({ status: 'queued', attempts: 1 });
    world.clock.advance(60_000);
    await runJobs(world);
    const done = await service.byPublicId(created.public_id);
    expect(done).toMatchObject({ status: 'ready', checked_rows: 30, accepted_rows: 30 });
    expect(await service.outcomes(done.id)).toEqual({ unchecked: 0, accepted: 30, refused: 0 });
    await world.host.close();
  });
});
