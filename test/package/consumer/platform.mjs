// A platform that is not the reference host: plain JavaScript, its own tables, billing, auth,
// bus, notifier and logger, and only the package's public exports. Run by check-package.mjs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import express from 'express';
import knexFactory from 'knex';
import { createDomainTransferModule, createEventBus, migrateLatest, HostContextError } from 'domain-transfers';
import { RegistrarError, isRegistrarError, sandboxAdapterFactory } from 'domain-transfers/registrar-adapters';

const [databaseFile] = process.argv.slice(2);
const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: databaseFile }, useNullAsDefault: true });

// The platform's own billing tables.
await knex.schema.createTable('shop_orders', (t) => {
  t.increments('id');
  t.string('client_id');
  t.string('domain');
  t.integer('amount');
  t.string('currency');
  t.string('invoice_status');
});

const lines = [];
const log = (level) => (obj, msg) => lines.push({ level, msg: typeof obj === 'string' ? obj : msg });
const logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
logger.child = () => logger;

const billing = {
  async getClient(id) {
    return { id, name: 'Grace Client', email: 'grace@example.net', contact: { name: 'Grace Client', email: 'grace@example.net', phone: '+1.5555550100', address: { street: ['1 Shop Road'], city: 'Springfield', postcode: '12345', countryCode: 'US' } } };
  },
  async createTransferOrder({ clientId, domain, amountMinor, currency }) {
    const [id] = await knex('shop_orders').insert({ client_id: clientId, domain, amount: amountMinor, currency, invoice_status: 'unpaid' });
    return { orderId: `O-${id}`, orderItemId: `OI-${id}`, invoiceId: `INV-${id}`, invoiceUrl: `/shop/invoices/INV-${id}` };
  },
  async getInvoice(invoiceId) {
    const row = await knex('shop_orders').where({ id: Number(invoiceId.slice(4)) }).first();
    return row && { id: invoiceId, clientId: row.client_id, status: row.invoice_status, totalMinor: row.amount, paidMinor: row.invoice_status === 'paid' ? row.amount : 0, currency: row.currency };
  },
  async cancelOrder() {},
  async cancelUnpaidRenewalInvoices() {
    return 0;
  },
  async setAutoRenew() {},
  async creditOrderItem({ idempotencyKey }) {
    return { creditId: idempotencyKey };
  },
};
const messages = [];
const events = createEventBus();
const received = [];
events.on('domain.transfer.requested', (event) => received.push(event));

const context = {
  knex,
  events,
  billing,
  // Async, as a real session lookup would be.
  auth: async (req) => {
    const who = req.get('x-platform-user');
    if (who === 'client') return { kind: 'client', clientId: 'C-42', name: 'Grace', sessionId: 'platform-session-client' };
    if (who === 'admin') return { kind: 'admin', adminId: 'A-1', name: 'Staff', sessionId: 'platform-session-admin', permissions: '*' };
    return null;
  },
  notifier: { notify: async (message) => void messages.push(message) },
  clock: { now: () => new Date() },
  logger,
  config: {
    encryptionKey: crypto.randomBytes(32).toString('base64'),
    registrars: { sandbox: { adapter: 'sandbox' } },
    tldRouting: { com: 'sandbox' },
    pricing: { currency: 'EUR', transferFee: { com: 900 } },
    jobs: { runInHost: false },
    sync: { enabled: false },
  },
};

// A wiring mistake is named at creation.
assert.throws(() => createDomainTransferModule({ ...context, billing: { ...billing, createTransferOrder: undefined } }), (error) => error instanceof HostContextError && error.problems.includes('billing.createTransferOrder is missing'));

const dt = createDomainTransferModule(context, { ui: { mountPaths: { client: '/portal/client', admin: '/backoffice/dt' }, loginUrl: '/shop/login' } });
assert.ok(sandboxAdapterFactory.type === 'sandbox');
assert.ok(isRegistrarError(new RegistrarError('transient', 'registry down')));
await migrateLatest(knex, [dt.migrations]);
await dt.start();

const app = express();
app.use('/portal/client', dt.routers.client);
app.use('/backoffice/dt', dt.routers.admin);
app.use(dt.errorHandler);
const server = app.listen(0);
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const form = await fetch(`${base}/portal/client/order/domain?action=transfer`, { headers: { 'x-platform-user': 'client' } });
assert.equal(form.status, 200);
const html = await form.text();
assert.match(html, /action="\/portal\/client\/order\/domain\?action(=|&#x3D;)transfer"/);
assert.match(html, /href="\/portal\/client\/domains"/);
assert.doesNotMatch(html, /(href|action)="\/client\//);
const csrf = /name="_csrf" value="([^"]+)"/.exec(html)[1];

const ordered = await fetch(`${base}/portal/client/order/domain?action=transfer`, {
  method: 'POST',
  redirect: 'manual',
  headers: { 'x-platform-user': 'client', 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ _csrf: csrf, domain: 'demo-transferable.com', eppCode: 'Sandbox-Demo-2026!' }),
});
assert.equal(ordered.status, 303);
assert.equal(ordered.headers.get('location'), '/shop/invoices/INV-1');

await knex('shop_orders').where({ id: 1 }).update({ invoice_status: 'paid' });
await events.emit('invoice.paid', { invoiceId: 'INV-1', clientId: 'C-42', paidInFull: true, items: [{ orderItemId: 'OI-1' }] });
await dt.createWorker().runUntilIdle();
assert.equal(received.length, 1);
assert.equal(received[0].domain, 'demo-transferable.com');
assert.deepEqual([received[0].orderId, received[0].orderItemId, received[0].invoiceId], ['O-1', 'OI-1', 'INV-1']);
assert.ok(messages.some((m) => m.template === 'transfer.submitted'));

const admin = await fetch(`${base}/backoffice/dt/domains`, { headers: { 'x-platform-user': 'admin' } });
assert.equal(admin.status, 200);
assert.match(await admin.text(), /href="\/backoffice\/dt\/domains\/demo-transferable\.com"/);

server.close();
await dt.stop();
await knex.destroy();
console.log('plain JavaScript platform: ok');
