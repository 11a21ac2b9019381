import { describeAdapterContract } from '../../testing/adapter-contract.ts';
import { startAlibabaFixture } from '../../test/support/alibaba-cloud/alibaba.fixture.ts';

// The shared contract against the local Domain API, every request's V3 signature checked. The
// API offers approving and cancelling a transfer-out, not rejecting one.
describeAdapterContract(
  'alibaba-cloud',
  async () => {
    const f = await startAlibabaFixture();
    const state = f.api.state;
    state.addForeign('contract-transferable.com', { code: 'Transfer-Me-1' });
    state.addForeign('contract-locked.com', { code: 'Transfer-Me-1', refusal: 'CheckTransferResult.DomainTransferProhibited' });
    state.addForeign('contract-wrong-code.com', { code: 'Only-This-Code-1' });
    state.addOwn('contract-ours.com');
    return {
      adapter: f.adapter,
      transferable: { domain: 'contract-transferable.com', authCode: 'Transfer-Me-1' },
      locked: { domain: 'contract-locked.com', authCode: 'Transfer-Me-1' },
      wrongCode: { domain: 'contract-wrong-code.com' },
      notFound: 'contract-missing.com',
      ours: 'contract-ours.com',
      async approvePendingTransferIn(domain) {
        state.advanceTransferIn(domain, 59);
      },
      async rejectPendingTransferIn(domain, reason) {
        state.advanceTransferIn(domain, 51, { code: 'clientRejected', msg: reason });
      },
      async requestTransferOut(domain) {
        state.own.get(domain)!.transferOut = { status: 4, requestedAt: Date.now() };
      },
      async teardown() {
        await f.close();
        if (f.api.refused.length) throw new Error(`requests refused by the API: ${JSON.stringify(f.api.refused)}`);
      },
    };
  },
  { transferOutActions: ['approve', 'cancel'] },
);
