import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRegistrarError, type RegistrarError, type RegistrarAdapter, type RegistrarErrorCode, type TransferContacts } from '../registrar-adapters/types.ts';

/**
 * What an adapter's test file hands the shared contract: the adapter, the registry cases it
 * can stage, and the levers a registry (or its staff) would pull.
 */
export interface AdapterContractFixture {
  adapter: RegistrarAdapter;
  /** Held at another registrar, unlocked, old enough; `authCode` is correct. */
  transferable: { domain: string; authCode: string };
  /** Held at another registrar with clientTransferProhibited; `authCode` is correct. */
  locked: { domain: string; authCode: string };
  /** Held at another registrar; every code is wrong. */
  wrongCode: { domain: string };
  /** A name the registry does not know. */
  notFound: string;
  /** A domain we sponsor, unlocked at the start of each test. */
  ours: string;
  /** The losing side (or the registry) approves our pending transfer-in. */
  approvePendingTransferIn(domain: string): Promise<void>;
  /** The losing side (or the registry) rejects our pending transfer-in. */
  rejectPendingTransferIn(domain: string, reason: string): Promise<void>;
  /** Another registrar asks for `domain` (one of ours). Omit where the registry cannot stage it. */
  requestTransferOut?(domain: string): Promise<void>;
  /** For adapters whose operations finish later (manual): finish open work the way staff would. */
  settle?(): Promise<void>;
  /** The registry's clock, when the adapter has one; lets the contract check dates are ahead. */
  clock?: { now(): Date };
  teardown(): Promise<void>;
}

export const CONTRACT_CONTACTS: TransferContacts = {
  registrant: {
    name: 'Contract Tester',
    email: 'contract.tester@example.net',
    phone: '+1.5555550100',
    address: { street: ['1 Test Street'], city: 'Testville', postcode: '12345', countryCode: 'US' },
  },
};

const OPTIONAL_CAPABILITIES = ['cancelTransferOut', 'approveTransferOut', 'rejectTransferOut', 'poll'] as const;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRegistrarError(error: unknown, code: RegistrarErrorCode): RegistrarError {
  expect(isRegistrarError(error), `expected a RegistrarError ${code}, got ${String(error)}`).toBe(true);
  const registrarError = error as RegistrarError;
  expect(registrarError.code).toBe(code);
  expect(registrarError.registrarMessage.trim().length).toBeGreaterThan(0);
  return registrarError;
}

/**
 * Registers the behaviour every registrar adapter must show, so sandbox, manual and EPP
 * behave alike for the module. `setup` runs before each test; `teardown` after it.
 */
/**
 * `transferOutActions: false` declares an adapter without approve/reject/cancel of a
 * transfer-out; the suite then checks that those methods are really absent (so the module
 * hides the buttons) instead of exercising them.
 */
export function describeAdapterContract(
  name: string,
  setup: () => Promise<AdapterContractFixture>,
  /** Which transfer-out actions the adapter offers: all, none, or some (the others must be absent). */
  options: { transferOutActions: boolean | ReadonlyArray<'approve' | 'reject' | 'cancel'> } = { transferOutActions: true },
): void {
  const offered = new Set(options.transferOutActions === true ? ['approve', 'reject', 'cancel'] : options.transferOutActions === false ? [] : options.transferOutActions);
  describe(`registrar adapter contract: ${name}`, () => {
    let f: AdapterContractFixture;

    beforeEach(async () => {
      f = await setup();
    });
    afterEach(async () => {
      await f?.teardown();
    });

    /** A refusal is either thrown at once with `code`, or (asynchronous adapters) a rejection after settle. */
    async function expectRefused(domain: string, authCode: string, code: RegistrarErrorCode): Promise<void> {
      let result;
      try {
        result = await f.adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS });
      } catch (error) {
        expectRegistrarError(error, code);
        return;
      }
      expect(result.kind, `${domain} must not complete`).toBe('pending');
      expect(f.settle, `${name} accepted a transfer it should refuse (${code}) and has no settle()`).toBeTypeOf('function');
      await f.settle!();
      const status = await f.adapter.getTransferStatus(domain, result.reference);
      expect(status.kind).toBe('rejected');
      if (status.kind === 'rejected') expect(status.reason.trim().length).toBeGreaterThan(0);
    }

    it('a transfer of the transferable domain goes pending, then completes with an expiry date once approved', async () => {
      const { domain, authCode } = f.transferable;
      const result = await f.adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS });
      expect(result.kind).toBe('pending');
      expect(result.reference.length).toBeGreaterThan(0);
      expect((await f.adapter.getTransferStatus(domain, result.reference)).kind).toBe('pending');

      await f.approvePendingTransferIn(domain);
      const status = await f.adapter.getTransferStatus(domain, result.reference);
      expect(status.kind).toBe('completed');
      if (status.kind !== 'completed') return;
      expect(status.expiryDate).toBeInstanceOf(Date);
      expect(Number.isNaN(status.expiryDate.getTime())).toBe(false);
      if (f.clock) expect(status.expiryDate.getTime()).toBeGreaterThan(f.clock.now().getTime());
      expect((await f.adapter.getDomainInfo(domain)).sponsoredByUs).toBe(true);
    });

    it('asking again while a transfer is pending answers already_pending (or the same pending request)', async () => {
      const { domain, authCode } = f.transferable;
      const first = await f.adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS });
      expect(first.kind).toBe('pending');
      let again;
      try {
        again = await f.adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS });
      } catch (error) {
        expectRegistrarError(error, 'already_pending');
      }
      if (again) {
        // Asynchronous adapters may answer with the request already open instead.
        expect(again.kind).toBe('pending');
        expect(again.reference).toBe(first.reference);
      }
      expect((await f.adapter.getTransferStatus(domain)).kind).toBe('pending');
    });

    it('a wrong auth code does not transfer the domain, and says why (auth_code_invalid)', async () => {
      await expectRefused(f.wrongCode.domain, 'Wrong-Code-For-Contract-1', 'auth_code_invalid');
    });

    it('a locked domain does not transfer, and says why (transfer_prohibited)', async () => {
      await expectRefused(f.locked.domain, f.locked.authCode, 'transfer_prohibited');
    });

    it('a transfer status we never asked for is not_found', async () => {
      expectRegistrarError(await caught(f.adapter.getTransferStatus(f.transferable.domain)), 'not_found');
      expectRegistrarError(await caught(f.adapter.getTransferStatus(f.notFound)), 'not_found');
    });

    it('a domain the registry does not know cannot be transferred (not_found)', async () => {
      await expectRefused(f.notFound, f.transferable.authCode, 'not_found');
    });

    it('a rejected transfer-in reports rejected with a reason, never completed', async () => {
      const { domain, authCode } = f.transferable;
      await f.adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS });
      await f.rejectPendingTransferIn(domain, 'The registrant declined the transfer');
      const status = await f.adapter.getTransferStatus(domain);
      expect(status.kind).toBe('rejected');
      if (status.kind === 'rejected') expect(status.reason.trim().length).toBeGreaterThan(0);
    });

    it('setLock and getLock round-trip on our domain', async () => {
      await f.adapter.setLock(f.ours, true);
      await f.settle?.();
      expect(await f.adapter.getLock(f.ours)).toBe(true);
      await f.adapter.setLock(f.ours, false);
      await f.settle?.();
      expect(await f.adapter.getLock(f.ours)).toBe(false);
    });

    it('getEppCode on our domain gives a code of at least 16 characters, or says where it was emailed', async () => {
      const result = await f.adapter.getEppCode(f.ours);
      await f.settle?.();
      if (result.kind === 'code') {
        expect(result.code.length).toBeGreaterThanOrEqual(16);
        expect(result.code).not.toMatch(/\s/);
      } else {
        expect(result.kind).toBe('emailed');
        expect(result.to.trim().length).toBeGreaterThan(0);
      }
    });

    it('optional capabilities are either absent or methods', async () => {
      const adapter = f.adapter as unknown as Record<string, unknown>;
      for (const capability of OPTIONAL_CAPABILITIES) expect(['undefined', 'function']).toContain(typeof adapter[capability]);
      if (f.adapter.poll) expect(Array.isArray(await f.adapter.poll())).toBe(true);
    });

    if (offered.has('approve')) {
      it('approveTransferOut lets a requested transfer-out go', async () => {
        if (!f.adapter.approveTransferOut || !f.requestTransferOut) throw new Error('declared transfer-out actions but approveTransferOut or requestTransferOut is missing');
        expectRegistrarError(await caught(f.adapter.approveTransferOut(f.ours)), 'not_found');
        await f.requestTransferOut(f.ours);
        expect((await f.adapter.getDomainInfo(f.ours)).pendingTransferOut).toBeDefined();
        await f.adapter.approveTransferOut(f.ours);
        // Some registries answer info on a domain that left with partial facts, others with not_found.
        let after;
        try {
          after = await f.adapter.getDomainInfo(f.ours);
        } catch (error) {
          expectRegistrarError(error, 'not_found');
        }
        if (after) expect(after.sponsoredByUs).toBe(false);
      });
    }

    if (offered.has('reject')) {
      it('rejectTransferOut keeps the domain with us', async () => {
        if (!f.adapter.rejectTransferOut || !f.requestTransferOut) throw new Error('declared transfer-out actions but rejectTransferOut or requestTransferOut is missing');
        await f.requestTransferOut(f.ours);
        await f.adapter.rejectTransferOut(f.ours, 'The registrant asked us to keep the domain');
        const info = await f.adapter.getDomainInfo(f.ours);
        expect(info.sponsoredByUs).toBe(true);
        expect(info.pendingTransferOut).toBeUndefined();
      });
    }

    if (offered.has('cancel')) {
      it('cancelTransferOut ends a requested transfer-out', async () => {
        if (!f.adapter.cancelTransferOut || !f.requestTransferOut) throw new Error('declared transfer-out actions but cancelTransferOut or requestTransferOut is missing');
        await f.requestTransferOut(f.ours);
        await f.adapter.cancelTransferOut(f.ours);
        const info = await f.adapter.getDomainInfo(f.ours);
        expect(info.sponsoredByUs).toBe(true);
        expect(info.pendingTransferOut).toBeUndefined();
      });
    }

    if (offered.size < 3) {
      it('offers only the transfer-out actions it declares, so no other button is shown', () => {
        if (!offered.has('approve')) expect(f.adapter.approveTransferOut).toBeUndefined();
        if (!offered.has('reject')) expect(f.adapter.rejectTransferOut).toBeUndefined();
        if (!offered.has('cancel')) expect(f.adapter.cancelTransferOut).toBeUndefined();
      });
    }
  });
}
