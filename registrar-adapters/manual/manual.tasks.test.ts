import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SecretIntegrityError } from '../../module/secret-box.ts';
import { CONTRACT_CONTACTS } from '../../testing/adapter-contract.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { RegistrarError, type RegistrarAdapter, type TransferRequest } from '../types.ts';
import { manualAdapterFactory } from './index.ts';
import { ManualTaskError } from './manual.model.ts';
import { createManual, dumpManualTables } from './manual.test-support.ts';

const db = useMigratedDatabase();
const CODE = 'Xq7!manual-SECRET-code-42';
const transfer = (domain = 'client-site.com', authCode = CODE): TransferRequest => ({ domain, authCode, contacts: CONTRACT_CONTACTS });
const panel = { registrarName: 'Example Registrar', controlPanelUrl: 'https://panel.example.net' };

describe('manual transfer tasks', () => {
  it('a transfer becomes a task with instructions, and the code is stored only sealed', async () => {
    const { adapter, tasks, capture } = createManual(db.knex, panel);
    const result = await adapter.transfer(transfer());
    expect(result).toEqual({ kind: 'pending', reference: expect.stringMatching(/^manual-task-\d+$/) });

    const [task] = await tasks.listTasks({ status: 'open' });
    expect(task).toMatchObject({ reference: result.reference, domain: 'client-site.com', operation: 'transfer', status: 'open', hasSecret: true, periodYears: 1 });
    expect(task!.authCode).toBeUndefined();
    expect(task!.instructions).toContain('https://panel.example.net');
    expect(task!.instructions).toContain('transfer-in of client-site.com for 1 year');
    expect(task!.instructions).toContain('Contract Tester <contract.tester@example.net>');

    const dump = await dumpManualTables(db.knex);
    expect(dump).not.toContain(CODE);
    expect(dump).not.toContain(Buffer.from(CODE).toString('base64'));
    expect((await db.knex('dt_manual_tasks').first()).auth_code_sealed).toMatch(/^v1\./);
    expect(capture.text()).toContain('client-site.com');
    expect(capture.text()).not.toContain(CODE);
  });

  it('staff can reveal the code while the task is open (recorded), and it is purged on completion', async () => {
    const { adapter, tasks, clock } = createManual(db.knex, panel);
    const { reference } = await adapter.transfer(transfer());
    const id = Number(reference.replace('manual-task-', ''));

    const revealed = await tasks.getTask(id, { revealSecret: true, actor: 'staff:alice' });
    expect(revealed?.authCode).toBe(CODE);
    expect(revealed).toMatchObject({ secretRevealedBy: 'staff:alice', secretRevealedAt: clock.now() });
    expect((await tasks.getTask(id))?.authCode).toBeUndefined();

    clock.advanceDays(3);
    await tasks.completeTask(id, { kind: 'completed', expiryDate: new Date('2027-06-01T00:00:00Z') }, 'staff:alice');
    const done = await tasks.getTask(id, { revealSecret: true, actor: 'staff:mallory' });
    expect(done).toMatchObject({ status: 'done', hasSecret: false, secretPurgedAt: clock.now(), secretRevealedBy: 'staff:alice', completedBy: 'staff:alice' });
    expect(done?.authCode).toBeUndefined();
    expect((await db.knex('dt_manual_tasks').where({ id }).first()).auth_code_sealed).toBeNull();
  });

  it('a sealed code copied onto another task does not open', async () => {
    const { adapter, tasks } = createManual(db.knex);
    const first = await adapter.transfer(transfer('one.com'));
    const second = await adapter.transfer(transfer('two.com', 'Other-Code-123456'));
    const sealed = (await db.knex('dt_manual_tasks').where({ domain: 'one.com' }).first()).auth_code_sealed;
    await db.knex('dt_manual_tasks').where({ domain: 'two.com' }).update({ auth_code_sealed: sealed });
    const secondId = Number(second.reference.split('-').pop());
    await expect(tasks.getTask(secondId, { revealSecret: true })).rejects.toBeInstanceOf(SecretIntegrityError);
    expect(first.reference).not.toBe(second.reference);
  });

  it('status follows the task: pending while open, then completed with the expiry staff recorded', async () => {
    const { adapter, tasks, clock } = createManual(db.knex);
    const { reference } = await adapter.transfer(transfer());
    expect(await adapter.getTransferStatus('client-site.com')).toEqual({ kind: 'pending', reference, requestedAt: clock.now() });
    const expiry = new Date('2027-09-30T00:00:00Z');
    await tasks.completeTask(Number(reference.split('-').pop()), { kind: 'completed', expiryDate: expiry, facts: { registrantEmail: 'owner@client-site.com' } }, 'staff:alice');
    expect(await adapter.getTransferStatus('client-site.com', reference)).toEqual({ kind: 'completed', expiryDate: expiry });
    expect(await adapter.getDomainInfo('client-site.com')).toMatchObject({
      sponsoredByUs: true,
      registrar: 'us-registrar',
      expiresAt: expiry,
      lastTransferredAt: clock.now(),
      registrantEmail: 'owner@client-site.com',
    });
  });

  it('a rejection gives its reason; a new attempt opens a new task, and old references keep their answer', async () => {
    const { adapter, tasks } = createManual(db.knex);
    const first = await adapter.transfer(transfer());
    await tasks.completeTask(Number(first.reference.split('-').pop()), { kind: 'rejected', reason: 'Registrar: invalid authorization code' }, 'staff:bob');
    expect(await adapter.getTransferStatus('client-site.com')).toEqual({ kind: 'rejected', reason: 'Registrar: invalid authorization code' });

    const second = await adapter.transfer(transfer());
    expect(second.reference).not.toBe(first.reference);
    expect((await adapter.getTransferStatus('client-site.com')).kind).toBe('pending');
    expect((await adapter.getTransferStatus('client-site.com', first.reference)).kind).toBe('rejected');
    await expect(adapter.getTransferStatus('never-asked.com')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a second request while the task is open is already_pending, also when made concurrently', async () => {
    const { adapter } = createManual(db.knex);
    const outcomes = await Promise.allSettled([adapter.transfer(transfer()), adapter.transfer(transfer()), adapter.transfer(transfer())]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as RegistrarError);
    expect(refusals.map((e) => e.code)).toEqual(['already_pending', 'already_pending']);
    expect(refusals[0]!.registrarMessage).toMatch(/already waiting for staff \(manual-task-\d+/);
    expect(await db.knex('dt_manual_tasks').where({ operation: 'transfer' })).toHaveLength(1);
  });

  it('completing is checked: unknown task, twice, wrong outcome for the operation, missing expiry or reason', async () => {
    const { adapter, tasks } = createManual(db.knex);
    const id = Number((await adapter.transfer(transfer())).reference.split('-').pop());
    await expect(tasks.completeTask(9999, { kind: 'done' }, 'x')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(tasks.completeTask(id, { kind: 'done' }, 'x')).rejects.toMatchObject({ code: 'invalid_outcome', status: 400 });
    await expect(tasks.completeTask(id, { kind: 'completed', expiryDate: new Date('nope') }, 'x')).rejects.toMatchObject({ code: 'invalid_outcome' });
    await expect(tasks.completeTask(id, { kind: 'rejected', reason: '  ' }, 'x')).rejects.toBeInstanceOf(ManualTaskError);
    expect((await tasks.getTask(id))?.hasSecret).toBe(true);
    await tasks.completeTask(id, { kind: 'rejected', reason: 'Locked at the losing registrar' }, 'x');
    await expect(tasks.completeTask(id, { kind: 'rejected', reason: 'again' }, 'y')).rejects.toMatchObject({ code: 'already_completed', status: 409 });
  });
});

describe('manual lock, EPP code and domain facts', () => {
  it('setLock opens a task; getLock reports only what staff confirmed', async () => {
    const { adapter, tasks } = createManual(db.knex, panel);
    await adapter.setLock('kept.com', true);
    await expect(adapter.getLock('kept.com')).rejects.toMatchObject({ code: 'unsupported', registrarMessage: expect.stringMatching(/not confirmed the transfer lock state of kept\.com/) });
    const [task] = await tasks.listTasks({ status: 'open', operation: 'lock' });
    expect(task).toMatchObject({ domain: 'kept.com', requestedLock: true });
    expect(task!.instructions).toMatch(/Turn the transfer lock ON for kept\.com/);
    expect(task!.instructions).toMatch(/Change nothing else/);

    // Asked for the other state before staff acted: the same task now asks for that.
    await adapter.setLock('kept.com', false);
    const open = await tasks.listTasks({ status: 'open', operation: 'lock' });
    expect(open.map((t) => [t.id, t.requestedLock])).toEqual([[task!.id, false]]);
    await tasks.completeTask(task!.id, { kind: 'done' }, 'staff:alice');
    expect(await adapter.getLock('kept.com')).toBe(false);

    // Asking for the state staff already confirmed gives staff nothing to do.
    await adapter.setLock('kept.com', false);
    expect(await tasks.listTasks({ status: 'open' })).toEqual([]);
  });

  it('a confirmed lock changes only clientTransferProhibited among recorded statuses', async () => {
    const { adapter, tasks } = createManual(db.knex);
    await tasks.recordFacts('manual-reg', 'kept.com', { sponsoredByUs: true, locked: false, statuses: ['clientDeleteProhibited'] }, 'staff');
    await adapter.setLock('kept.com', true);
    const [task] = await tasks.listTasks({ status: 'open' });
    await tasks.completeTask(task!.id, { kind: 'done' }, 'staff');
    expect((await adapter.getDomainInfo('kept.com')).statuses).toEqual(['clientDeleteProhibited', 'clientTransferProhibited']);
  });

  it('getEppCode asks staff to mail the code to the recorded registrant, once per open request', async () => {
    const { adapter, tasks } = createManual(db.knex, panel);
    expect(await adapter.getEppCode('unknown-owner.com')).toEqual({ kind: 'emailed', to: 'the registrant email address on record at Example Registrar' });
    await tasks.recordFacts('manual-reg', 'kept.com', { registrantEmail: 'owner@kept.com' }, 'staff');
    expect(await adapter.getEppCode('kept.com')).toEqual({ kind: 'emailed', to: 'owner@kept.com' });
    expect(await adapter.getEppCode('kept.com')).toEqual({ kind: 'emailed', to: 'owner@kept.com' });
    const open = await tasks.listTasks({ status: 'open', operation: 'eppCode', domain: 'kept.com' });
    expect(open).toHaveLength(1);
    expect(open[0]!.instructions).toMatch(/send the EPP \(auth\) code of kept\.com to the registrant at owner@kept\.com/);
    const done = await tasks.completeTask(open[0]!.id, { kind: 'done', emailedTo: 'owner@kept.com' }, 'staff');
    expect(done.outcome).toMatchObject({ kind: 'done', emailedTo: 'owner@kept.com' });
  });

  it('getDomainInfo is unsupported until staff record facts, then returns them', async () => {
    const { adapter, tasks } = createManual(db.knex);
    await expect(adapter.getDomainInfo('kept.com')).rejects.toMatchObject({ code: 'unsupported', registrarMessage: expect.stringMatching(/no facts about kept\.com/) });
    const createdAt = new Date('2019-04-01T00:00:00Z');
    await tasks.recordFacts('manual-reg', 'kept.com', { sponsoredByUs: false, registrar: 'Some Registrar', createdAt, locked: true }, 'staff:alice');
    await tasks.recordFacts('manual-reg', 'kept.com', { expiresAt: new Date('2026-12-01T00:00:00Z') }, 'staff:bob');
    expect(await adapter.getDomainInfo('kept.com')).toMatchObject({
      sponsoredByUs: false,
      registrar: 'Some Registrar',
      statuses: ['clientTransferProhibited'],
      createdAt,
      expiresAt: new Date('2026-12-01T00:00:00Z'),
    });
    expect((await tasks.getFacts('manual-reg', 'kept.com'))?.recordedBy).toBe('staff:bob');
  });

  it('offers no optional capabilities, and its options schema compiles under ajv strict with defaults', () => {
    const { adapter } = createManual(db.knex);
    const generic: RegistrarAdapter = adapter;
    expect([generic.cancelTransferOut, generic.approveTransferOut, generic.rejectTransferOut, generic.poll]).toEqual([undefined, undefined, undefined, undefined]);
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(manualAdapterFactory.optionsSchema);
    const options = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ registrarName: 'the registrar', controlPanelUrl: '' });
    expect(validate({ registrarNmae: 'typo' })).toBe(false);
  });
});
