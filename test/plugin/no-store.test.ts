import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../module/index.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();

/** Every GET page the manifest declares for a side, with its parameters filled in. */
function modulePages(side: 'client' | 'admin', params: Record<string, string>): string[] {
  const routes = (manifest.routes as Record<string, Array<{ method: string; path: string; query?: string }>>)[side]!;
  return routes
    .filter((r) => r.method === 'GET')
    .map((r) => `/${side}${r.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? name)}${r.query ? `?${r.query}` : ''}`);
}

describe('pages behind a login', () => {
  it('every authenticated page, module and host, sends Cache-Control: no-store', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-wrong-code.com', 'Wrong-Code-4711');
    const invoiceUrl = ordered.headers.location!;
    await payInvoice(world, invoiceUrl);
    await runJobs(world);
    await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const job = await db.knex('dt_jobs').first('id');
    const clientId = String((await world.host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
    const bulk = await world.host.module.services.bulkImports.createFromCsv(Readable.from([Buffer.from('demo-new.com,code1234\n')]), { actor: 'admin:1', defaultClientId: clientId });
    await world.host.module.services.adoptDomain({ domain: 'demo-ours.com', clientId, registrarId: 'sandbox' });
    const action = await world.host.module.services.bulkActions.create({ action: 'sync', filter: { prefix: 'demo-ours' }, filterText: 'q=demo-ours', actor: 'admin:1' });

    const clientPages = [...modulePages('client', { domain: 'demo-wrong-code.com' }), '/client', '/client/invoices', invoiceUrl, '/client/profile'];
    for (const page of clientPages) {
      const response = await world.client.get(page);
      expect(response.status, page).toBe(200);
      expect(response.headers['cache-control'], page).toBe('no-store');
    }

    const admin = await loginAs(world.host, DEMO.admin);
    const adminPages = [
      ...modulePages('admin', { domain: 'demo-wrong-code.com', id: String(job.id), bulkId: bulk.public_id, actionId: action.public_id }).filter((p) => !p.includes('/registrars/manual-tasks/')),
      '/admin',
      '/admin/services',
      '/admin/clients',
      '/admin/invoices',
      '/admin/outbox',
    ];
    for (const page of adminPages) {
      const response = await admin.get(page);
      expect(response.status, page).toBe(200);
      expect(response.headers['cache-control'], page).toBe('no-store');
    }
  });
});
