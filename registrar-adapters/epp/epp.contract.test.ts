import { describeAdapterContract } from '../../testing/adapter-contract.ts';
import { OTHER_CLID, OUR_CLID, startEppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';

// The shared contract, run against the EPP adapter over TLS to the test registry; the other
// side of each transfer is a second adapter logged in as another registrar.
describeAdapterContract('epp', async () => {
  const f = await startEppFixture();
  const state = f.registry.state;
  state.addDomain({ name: 'contract-transferable.test', clID: OTHER_CLID, authInfo: 'Transfer-Me-1' });
  state.addDomain({ name: 'contract-locked.test', clID: OTHER_CLID, authInfo: 'Transfer-Me-1', statuses: ['clientTransferProhibited'] });
  state.addDomain({ name: 'contract-wrong-code.test', clID: OTHER_CLID, authInfo: 'Only-This-Code-1' });
  state.addDomain({ name: 'contract-ours.test', clID: OUR_CLID, authInfo: 'Ours-Code-1' });
  return {
    adapter: f.adapter,
    transferable: { domain: 'contract-transferable.test', authCode: 'Transfer-Me-1' },
    locked: { domain: 'contract-locked.test', authCode: 'Transfer-Me-1' },
    wrongCode: { domain: 'contract-wrong-code.test' },
    notFound: 'contract-missing.test',
    ours: 'contract-ours.test',
    clock: f.clock,
    async approvePendingTransferIn(domain) {
      await f.other().approveTransferOut(domain);
    },
    async rejectPendingTransferIn(domain, reason) {
      await f.other().rejectTransferOut(domain, reason);
    },
    async requestTransferOut(domain) {
      const authCode = state.domains.get(domain)!.authInfo;
      await f.other().transfer({ domain, authCode, contacts: { registrant: CONTRACT_REGISTRANT } });
    },
    async teardown() {
      await f.close();
      const failures = await f.registry.schemaFailures();
      if (failures.length) throw new Error(`frames broke the EPP schemas: ${JSON.stringify(failures, null, 1)}`);
    },
  };
});

const CONTRACT_REGISTRANT = {
  name: 'Contract Tester',
  email: 'contract.tester@example.net',
  address: { street: ['1 Test Street'], city: 'Testville', postcode: '12345', countryCode: 'US' },
};
