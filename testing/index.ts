/**
 * `domain-transfers/testing`: the contract every registrar adapter must meet, for authors of
 * adapters outside this package. Run it under vitest:
 *
 *   describeAdapterContract('my registrar', async () => ({ adapter, transferable, ... }));
 */
export { describeAdapterContract, CONTRACT_CONTACTS, type AdapterContractFixture } from './adapter-contract.ts';
