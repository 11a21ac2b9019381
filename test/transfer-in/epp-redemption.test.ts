import { describe, expect, it } from 'vitest';
import { unmetTransferRules } from '../../module/domains/transfer-rules.ts';
import { OUR_CLID, startEppFixture } from '../support/epp-registry/epp-registry.fixture.ts';

describe('the RGP state through the adapter', () => {
  it('reports redemption and pending restore from a registry that sends RGP, and the transfer rules refuse them', async () => {
    const f = await startEppFixture();
    try {
      f.registry.state.addDomain({ name: 'redeem.test', clID: 'other-registrar', statuses: ['pendingDelete'], rgpStatuses: ['redemptionPeriod'] });
      f.registry.state.addDomain({ name: 'restore.test', clID: OUR_CLID, statuses: ['pendingDelete'], rgpStatuses: ['pendingRestore'] });
      const redeem = await f.adapter.getDomainInfo('redeem.test');
      expect(redeem.statuses).toEqual(['pendingDelete', 'redemptionPeriod']);
      const windows = { daysAfterRegistration: 60, daysAfterTransfer: 60, daysBeforeExpiry: 0, daysAfterRenewal: 45 };
      expect(unmetTransferRules(redeem, windows, f.clock.now(), 'in').map((r) => r.rule)).toEqual(['redemption', 'pending_delete']);
      const restore = await f.adapter.getDomainInfo('restore.test');
      expect(unmetTransferRules(restore, windows, f.clock.now(), 'out').map((r) => r.rule)).toContain('redemption');
      // The login announced RGP because the registry offered it, and every frame stayed valid.
      expect(f.registry.frames[0]!.xml).toContain('<extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI>');
      expect(await f.registry.schemaFailures()).toEqual([]);
    } finally {
      await f.close();
    }
  });
});
