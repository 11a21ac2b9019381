import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs } from './transfer-in.support.ts';

/**
 * The checks made before anyone is invoiced, beyond the registry's transfer rules: a domain
 * already here, a registry that will not say, a TLD routed but not priced, and the price of a
 * name under a suffix several labels deep.
 */
const db = useMigratedDatabase();

async function expectNothingCharged() {
  expect(await countRows(db, 'dt_transfer_orders')).toBe(0);
  expect(await countRows(db, 'host_invoices')).toBe(0);
}

describe('a domain already here', () => {
  it('is refused as already managed when it is active in the client’s account', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    await world.host.module.services.adoptDomain({ domain: 'demo-transferable.com', clientId, registrarId: 'sandbox' });

    const response = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(409);
    expect(response.text).toContain('demo-transferable.com is already managed in this account system.');
    await expectNothingCharged();
    await world.host.close();
  });

  it('is refused as an open transfer while its transfer is pending at the registry', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    // The order is done with (submitted); the pending domain is what holds the name now.
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    expect(await db.knex('dt_domains').first()).toMatchObject({ status: 'pending' });

    const again = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(again.status).toBe(409);
    expect(again.text).toContain('A transfer of demo-transferable.com is already open in your account.');
    expect(again.text).not.toContain('already managed');
    expect(await countRows(db, 'dt_transfer_orders')).toBe(1);
    await world.host.close();
  });
});

describe('a registry that will not give the facts', () => {
  it('asking us to slow down: 424, nothing charged, and the operator sees why in the log', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    await world.host.module.sandbox()!.injectFault('getDomainInfo', 'rate_limited', 1);

    const response = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(424);
    expect(response.text).toContain('We could not reach the registry to check this domain. Nothing was charged');
    await expectNothingCharged();
    const line = capture.entries().find((l) => l.msg === 'registry facts unavailable');
    expect(line).toMatchObject({ level: 40, domain: 'demo-transferable.com', registrar: 'sandbox' });
    expect(line!.error).toBe('Injected fault: the sandbox registry failed getDomainInfo with rate_limited.');
    await world.host.close();
  });

  it('refusing to answer: 422 with the registry’s own words', async () => {
    const world = await createTransferWorld(db);
    await world.host.module.sandbox()!.injectFault('getDomainInfo', 'not_authorized', 1);

    const response = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(422);
    expect(response.text).toContain('The registry refused to give details for this domain: Injected fault: the sandbox registry failed getDomainInfo with not_authorized.');
    await expectNothingCharged();
    await world.host.close();
  });
});

describe('what a transfer costs', () => {
  it('is refused, not guessed, for a TLD that is routed but has no price', async () => {
    const world = await createTransferWorld(db, {
      config: { tldRouting: { com: 'sandbox', net: 'sandbox' }, pricing: { currency: 'USD', transferFee: { com: 1099 } } },
    });
    const response = await orderTransfer(world, 'demo-registry-lock.net', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(422);
    expect(response.text).toContain('Transfers for .net domains have no price set yet.');
    await expectNothingCharged();
    await world.host.close();
  });

  it('is the price of the most specific routed suffix of a name several labels deep', async () => {
    const world = await createTransferWorld(db, {
      config: { tldRouting: { com: 'sandbox', 'ma.us': 'sandbox', us: 'sandbox' }, pricing: { currency: 'USD', transferFee: { com: 1099, 'ma.us': 2500, us: 1500 } } },
    });
    await world.host.module.sandbox()!.addDomain({ name: 'shop.lib.ma.us' });
    const response = await orderTransfer(world, 'shop.lib.ma.us', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(303);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ domain: 'shop.lib.ma.us', amount_minor: 2500, registrar_id: 'sandbox' });
    await world.host.close();
  });
});
