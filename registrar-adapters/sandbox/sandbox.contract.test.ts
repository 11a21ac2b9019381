import { describeAdapterContract } from '../../testing/adapter-contract.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE, SANDBOX_OTHER_REGISTRAR } from './sandbox.demo-data.ts';
import { createSandbox } from './sandbox.test-support.ts';

const db = useMigratedDatabase();

describeAdapterContract('sandbox', async () => {
  const { adapter, registry, clock } = await createSandbox(db.knex);
  return {
    adapter,
    transferable: { domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE },
    locked: { domain: 'demo-locked.com', authCode: SANDBOX_DEMO_AUTH_CODE },
    wrongCode: { domain: 'demo-wrong-code.com' },
    notFound: 'no-such-domain-in-sandbox.com',
    ours: 'demo-ours.com',
    clock,
    async approvePendingTransferIn(domain) {
      await registry.approvePendingTransfer(domain);
    },
    async rejectPendingTransferIn(domain, reason) {
      await registry.rejectPendingTransfer(domain, reason);
    },
    async requestTransferOut(domain) {
      await registry.requestTransferOut(domain, SANDBOX_OTHER_REGISTRAR);
    },
    async teardown() {},
  };
});
