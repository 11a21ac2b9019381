import { afterEach, describe, expect, it } from 'vitest';
import { startAlibabaFixture, type AlibabaFixture } from '../../test/support/alibaba-cloud/alibaba.fixture.ts';
import { MOCK_ACCESS_KEY } from '../../test/support/alibaba-cloud/alibaba-mock.server.ts';
import { RegistrarError, type TransferRequest } from '../types.ts';
import { alibabaCloudAdapterFactory } from './index.ts';
import { AdapterOptionError } from '../registrar-error.ts';

const CODE = 'Right-Code-1';
const contacts = { registrant: { name: 'Ada', email: 'ada@example.net', address: { street: ['1 Road'], city: 'X', postcode: '1', countryCode: 'CN' } } };
const request = (domain: string, authCode = CODE): TransferRequest => ({ domain, authCode, contacts });

let f: AlibabaFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function fixture(options: Parameters<typeof startAlibabaFixture>[0] = {}, key = MOCK_ACCESS_KEY) {
  f = await startAlibabaFixture(options, key);
  return f;
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrarError);
    return error as RegistrarError;
  }
  throw new Error('expected a RegistrarError');
};

describe('Alibaba Cloud transfer-in', () => {
  it('checks feasibility with the code, orders the transfer with the configured registrant profile, and follows each status', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('arriving.com');
    const result = await adapter.transfer(request('Arriving.COM'));
    expect(result).toMatchObject({ kind: 'pending', reference: expect.stringMatching(/^S2026/) });
    const order = api.calls.find((c) => c.action === 'SaveSingleTaskForCreatingOrderTransfer')!;
    expect(order.params).toMatchObject({ DomainName: 'arriving.com', AuthorizationCode: CODE, RegistrantProfileId: '1234567', PermitPremiumTransfer: 'false' });
    expect(api.calls.find((c) => c.action === 'CheckTransferInFeasibility')!.params).toMatchObject({ TransferAuthorizationCode: CODE });

    // 11: the registry mailed the registrant, who must confirm.
    expect(await adapter.getTransferStatus('arriving.com')).toMatchObject({ kind: 'pending', awaiting: 'registrant_email' });
    await adapter.resendTransferEmail('arriving.com');
    expect(api.state.latestTransferIn('arriving.com')!.mailsSent).toBe(2);
    for (const status of [10, 19, 20, 29, 39]) {
      api.state.advanceTransferIn('arriving.com', status);
      const seen = await adapter.getTransferStatus('arriving.com');
      expect(seen.kind, String(status)).toBe('pending');
      expect(seen).not.toHaveProperty('awaiting');
    }
    api.state.advanceTransferIn('arriving.com', 59);
    const done = await adapter.getTransferStatus('arriving.com');
    expect(done.kind).toBe('completed');
    if (done.kind === 'completed') expect(done.expiryDate.getTime()).toBeGreaterThan(Date.now());
    expect(api.refused).toEqual([]);
  });

  it('status 31 (wrong code) waits for a corrected code, which goes to the same transfer; ended ones say why', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('recode.com');
    await adapter.transfer(request('recode.com'));
    api.state.advanceTransferIn('recode.com', 31, { code: 'passwordError', msg: 'The transfer code is wrong' });
    expect(await adapter.getTransferStatus('recode.com')).toEqual({ kind: 'rejected', code: 'auth_code_invalid', reason: 'passwordError: The transfer code is wrong' });
    const again = await adapter.transfer(request('recode.com', 'Corrected-Code-2'));
    expect(again.kind).toBe('pending');
    expect(api.actions().filter((a) => a === 'SaveSingleTaskForCreatingOrderTransfer')).toHaveLength(1);
    expect(api.calls.find((c) => c.action === 'TransferInReenterTransferAuthorizationCode')!.params).toMatchObject({ DomainName: 'recode.com', TransferAuthorizationCode: 'Corrected-Code-2' });
    expect(api.state.latestTransferIn('recode.com')!.status).toBe(39);

    for (const [status, code] of [[21, 'nameVerificationFailed'], [50, 'clientCancelled'], [51, 'clientRejected'], [52, 'transferExpired']] as const) {
      api.state.advanceTransferIn('recode.com', status, { code, msg: `ended ${status}` });
      expect(await adapter.getTransferStatus('recode.com')).toEqual({ kind: 'rejected', reason: `${code}: ended ${status}` });
    }
  });

  it('refuses before ordering: a wrong code, a lock, an unknown name, a premium price, no registrant profile', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('coded.com', { code: 'Only-This-1' });
    api.state.addForeign('locked.com', { refusal: 'CheckTransferResult.DomainTransferProhibited' });
    api.state.addForeign('premium.com', { premium: true });
    expect((await failure(adapter.transfer(request('coded.com')))).code).toBe('auth_code_invalid');
    expect((await failure(adapter.transfer(request('locked.com')))).code).toBe('transfer_prohibited');
    expect((await failure(adapter.transfer(request('nowhere.com')))).code).toBe('not_found');
    const premium = await failure(adapter.transfer(request('premium.com')));
    expect(premium.code).toBe('premium_price');
    expect(premium.registrarMessage).toContain('premium');
    expect(api.state.transfersIn).toEqual([]);

    const without = await startAlibabaFixture({ registrantProfileId: undefined });
    without.api.state.addForeign('profileless.com');
    const refused = await failure(without.adapter.transfer(request('profileless.com')));
    expect(refused.code).toBe('not_authorized');
    expect(refused.registrarMessage).toContain('registrantProfileId');
    await without.close();
  });

  it('a lost answer to the order is transient, and the retry finds the transfer instead of ordering twice', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('lost.com');
    api.loseAnswer('SaveSingleTaskForCreatingOrderTransfer');
    const lost = await failure(adapter.transfer(request('lost.com')));
    expect(lost.code).toBe('transient');
    expect(lost.retryable).toBe(true);
    expect(await adapter.transfer(request('lost.com'))).toMatchObject({ kind: 'pending' });
    expect(api.actions().filter((a) => a === 'SaveSingleTaskForCreatingOrderTransfer')).toHaveLength(1);
    expect(api.state.transfersIn).toHaveLength(1);
  });

  it('cancels its own pending transfer-in', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('withdrawn.com');
    await adapter.transfer(request('withdrawn.com'));
    await adapter.cancelTransferOut('withdrawn.com');
    expect(api.actions()).toContain('SaveSingleTaskForCancelingTransferIn');
    expect(await adapter.getTransferStatus('withdrawn.com')).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('clientCancelled') });
  });
});

describe('Alibaba Cloud tasks and errors', () => {
  it('a task that never finishes is transient; the retry reads the lock first and submits nothing new', async () => {
    const { adapter, api } = await fixture({ taskTimeoutMs: 60 });
    api.state.addOwn('slow.com');
    api.state.taskPlans.set('SaveSingleTaskForTransferProhibitionLock', { polls: -1 });
    const slow = await failure(adapter.setLock('slow.com', true));
    expect(slow.code).toBe('transient');
    expect(slow.registrarMessage).toMatch(/not finished after/);
    // Still running: a second submission is refused by the API as already being processed.
    const again = await failure(adapter.setLock('slow.com', true));
    expect(again.code).toBe('already_pending');
    // Once it finished, the retry sees the lock and has nothing to do.
    api.state.taskPlans.delete('SaveSingleTaskForTransferProhibitionLock');
    for (const task of api.state.tasks.values()) task.pollsLeft = 0;
    await api.state.handle('QueryTaskDetailList', new URLSearchParams({ TaskNo: [...api.state.tasks.keys()][0]! }));
    const before = api.actions().filter((a) => a.startsWith('SaveSingleTask')).length;
    await adapter.setLock('slow.com', true);
    expect(api.actions().filter((a) => a.startsWith('SaveSingleTask')).length).toBe(before);
  });

  it('a failed task carries its own message', async () => {
    const { adapter, api } = await fixture();
    api.state.addOwn('refusing.com');
    api.state.taskPlans.set('SaveSingleTaskForTransferProhibitionLock', { failure: 'The domain name is under arbitration.' });
    const error = await failure(adapter.setLock('refusing.com', true));
    expect(error).toMatchObject({ code: 'not_eligible', registrarMessage: 'SaveSingleTaskForTransferProhibitionLock: The domain name is under arbitration.' });
  });

  it('tries Throttling and ServiceUnavailable again with backoff, then reports rate_limited or transient', async () => {
    const { adapter, api } = await fixture({ maxRetries: 2 });
    api.state.addOwn('busy.com');
    api.fail('throttle', 2);
    expect(await adapter.getLock('busy.com')).toBe(false);
    api.fail('unavailable', 1);
    expect(await adapter.getLock('busy.com')).toBe(false);
    api.fail('throttle', 3);
    const throttled = await failure(adapter.getLock('busy.com'));
    expect(throttled).toMatchObject({ code: 'rate_limited', rawCode: 'Throttling.User' });
    api.fail('unavailable', 3);
    expect((await failure(adapter.getLock('busy.com'))).code).toBe('transient');
    expect(api.actions().filter((a) => a === 'QueryDomainByDomainName')).toHaveLength(2 + 1 + 1 + 1 + 3 + 3);
  });

  it('a wrong secret or an unknown key is authentication_failed, tried once, and neither half of the key is ever told', async () => {
    const wrongSecret = await fixture({}, { id: MOCK_ACCESS_KEY.id, secret: 'not-the-secret-0000' });
    wrongSecret.api.state.addOwn('mine.com');
    const refused = await failure(wrongSecret.adapter.getLock('mine.com'));
    expect(refused).toMatchObject({ code: 'authentication_failed', rawCode: 'SignatureDoesNotMatch', retryable: true });
    expect(wrongSecret.api.refused).toHaveLength(1);
    await wrongSecret.close();

    const unknown = await fixture({}, { id: 'LTAI5tSomeoneElse99', secret: 'whatever-secret-123' });
    const error = await failure(unknown.adapter.getLock('mine.com'));
    expect(error.code).toBe('authentication_failed');
    expect(error.rawCode).toBe('InvalidAccessKeyId.NotFound');
    const told = `${error.message} ${String(error.cause ?? '')} ${unknown.logs.text()}`;
    expect(told).not.toContain('whatever-secret-123');
    expect(told).not.toContain('LTAI5tSomeoneElse99');
  });

  it('maps the API’s refusals: an invalid name and a missing transfer-out are not_found, a task in progress already_pending', async () => {
    const { adapter, api } = await fixture();
    api.state.addOwn('quiet.com');
    expect(await failure(adapter.approveTransferOut('bad_name.com'))).toMatchObject({ code: 'not_found', rawCode: 'InvalidDomainName' });
    expect((await failure(adapter.getLock('bad_name.com'))).code).toBe('not_found');
    expect(await failure(adapter.approveTransferOut('quiet.com'))).toMatchObject({ code: 'not_found', rawCode: 'DomainTransferPendingNotExist' });
    api.state.taskPlans.set('SaveSingleTaskForQueryingTransferAuthorizationCode', { polls: -1 });
    await failure(adapter.getEppCode('quiet.com'));
    expect(await failure(adapter.getEppCode('quiet.com'))).toMatchObject({ code: 'already_pending', rawCode: 'TaskIsBeingProcessed' });
  });

  it('refuses to start without the AccessKey, naming the option', () => {
    const context = { knex: {} as never, clock: { now: () => new Date() }, logger: { child: () => ({}) } as never, registrarId: 'a', secrets: { seal: (p: string) => p, open: (s: string) => s } };
    expect(() => alibabaCloudAdapterFactory.create('a', { accessKeyIdEnv: 'DT_TEST_NO_SUCH_ID' }, context)).toThrow(AdapterOptionError);
    try {
      alibabaCloudAdapterFactory.create('a', { accessKeyIdEnv: 'DT_TEST_NO_SUCH_ID' }, context);
    } catch (error) {
      expect((error as AdapterOptionError).option).toBe('accessKeyIdEnv');
      expect((error as Error).message).toContain('DT_TEST_NO_SUCH_ID');
    }
  });
});

describe('Alibaba Cloud domains in the account', () => {
  it('reads the seed’s facts: dates, the transfer prohibition lock, redemption, and a pending transfer-out', async () => {
    const { adapter, api } = await fixture();
    const own = api.state.addOwn('facts.com', { lock: true, domainStatus: '2' });
    const info = await adapter.getDomainInfo('facts.com');
    expect(info).toMatchObject({ sponsoredByUs: true, statuses: ['clientTransferProhibited', 'redemptionPeriod'], registrantEmail: 'owner@example.com' });
    expect(info.createdAt!.getTime()).toBe(own.registeredAt);
    expect(info.expiresAt!.getTime()).toBe(own.expiresAt);
    const requestedAt = Date.parse('2026-11-20T02:00:00Z');
    own.transferOut = { status: 4, requestedAt };
    const leaving = await adapter.getDomainInfo('facts.com');
    expect(leaving.statuses).toContain('pendingTransfer');
    // Dates without a zone are China Standard Time.
    expect(leaving.pendingTransferOut).toEqual({ gainingRegistrar: 'another registrar', requestedAt: new Date(requestedAt), actionDate: new Date(requestedAt + 5 * 86_400_000) });
  });

  it('a domain elsewhere: transferable, locked (a rule the client can act on), or refused with the API’s words', async () => {
    const { adapter, api } = await fixture();
    api.state.addForeign('free.com');
    api.state.addForeign('held.com', { refusal: 'CheckTransferResult.DomainTransferProhibited' });
    api.state.addForeign('young.com', { refusal: 'CheckTransferResult.DomainRegisteredWithin60Days' });
    expect(await adapter.getDomainInfo('free.com')).toEqual({ domain: 'free.com', sponsoredByUs: false, registrar: '', statuses: [] });
    expect((await adapter.getDomainInfo('held.com')).statuses).toEqual(['clientTransferProhibited']);
    expect(await failure(adapter.getDomainInfo('young.com'))).toMatchObject({ code: 'not_eligible', registrarMessage: expect.stringContaining('DomainRegisteredWithin60Days') });
  });

  it('the EPP code: handed over where the task result carries it, else emailed to the registrant', async () => {
    const { adapter, api } = await fixture();
    api.state.addOwn('mailed.com', { email: 'holder@example.org' });
    expect(await adapter.getEppCode('mailed.com')).toEqual({ kind: 'emailed', to: 'holder@example.org' });
    api.state.addOwn('handed.com');
    api.state.taskPlans.set('SaveSingleTaskForQueryingTransferAuthorizationCode', { result: JSON.stringify({ TransferAuthorizationCode: 'Ab3$-Transfer-Key-9x' }) });
    expect(await adapter.getEppCode('handed.com')).toEqual({ kind: 'code', code: 'Ab3$-Transfer-Key-9x' });
  });

  it('.hk: the manual procedure is named, and no code is asked for', async () => {
    const { adapter, api } = await fixture();
    api.state.addOwn('shop.hk');
    expect((await adapter.getDomainInfo('shop.hk')).manualTransferOut).toBe('hk_application_form');
    expect((await failure(adapter.getEppCode('shop.hk'))).code).toBe('unsupported');
    expect(api.actions()).not.toContain('SaveSingleTaskForQueryingTransferAuthorizationCode');
  });

  it('cancelling a transfer-out that already completed says it cannot come back for 60 days', async () => {
    const { adapter, api } = await fixture();
    api.state.addOwn('gone.com', { transferOut: { status: 5 } });
    expect((await failure(adapter.cancelTransferOut('gone.com'))).registrarMessage).toContain('60 days');
  });
});
