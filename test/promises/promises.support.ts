import Handlebars from 'handlebars';
import { expect } from 'vitest';
import type { TestDatabase } from '../support/test-database.ts';
import { orderTransfer, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

/** Markup a hostile visitor types into form fields. */
export const MARKUP = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'] as const;

/** What a value looks like once the templates have escaped it. */
export function escaped(value: string): string {
  return Handlebars.Utils.escapeExpression(value);
}

/**
 * The page shows `value` only escaped: the raw markup is nowhere in it. With `echoed`, the
 * escaped form must be there too, so the assertion cannot pass because a field went missing.
 */
export function expectOnlyEscaped(html: string, value: string, where: string, options: { echoed?: boolean } = {}): void {
  expect(html.includes(value), `${where}: the raw value ${value} is in the page`).toBe(false);
  if (options.echoed) expect(html.includes(escaped(value)), `${where}: the escaped value ${escaped(value)} is missing`).toBe(true);
}

/** No markup of ours survived unescaped anywhere in the page. */
export function expectNoLiveMarkup(html: string, where: string): void {
  expect(html, where).not.toMatch(/<script>alert\(1\)<\/script>/i);
  expect(html, where).not.toMatch(/<img\s*src=x\s*onerror/i);
}

/** Places an order through the client's form and returns its row; the invoice stays unpaid. */
export async function placeUnpaidOrder(world: TransferWorld, db: TestDatabase, domain: string, eppCode: string) {
  const ordered = await orderTransfer(world, domain, eppCode);
  if (ordered.status !== 303) throw new Error(`ordering ${domain} answered ${ordered.status}: ${ordered.text.slice(0, 300)}`);
  return db.knex('dt_transfer_orders').where({ domain }).orderBy('id', 'desc').first();
}

/**
 * Records the invoice as paid in full in the host's billing without announcing it, so a test
 * can deliver `invoice.paid` itself, as many times and as concurrently as it likes.
 */
export async function markInvoicePaidQuietly(db: TestDatabase, invoiceId: string | number, at: Date): Promise<void> {
  const invoice = await db.knex('host_invoices').where({ id: Number(invoiceId) }).first();
  await db.knex('host_invoices')
    .where({ id: invoice.id })
    .update({ status: 'paid', paid_minor: invoice.total_minor, paid_at: at.getTime(), updated_at: at.getTime() });
}

/** The `invoice.paid` payload the host sends for the order's invoice. */
export function paidEventFor(order: { invoice_id: string; client_id: string; order_item_id: string }) {
  return { invoiceId: String(order.invoice_id), clientId: String(order.client_id), paidInFull: true, items: [{ orderItemId: String(order.order_item_id) }] };
}

/** Resolves when `count` callers have arrived; each then waits for the wave it belongs to. */
export function createGate(count: number) {
  let arrived = 0;
  let allArrived!: () => void;
  const everyoneHere = new Promise<void>((resolve) => (allArrived = resolve));
  const waves = new Map<number, { opened: Promise<void>; open: () => void }>();
  const wave = (n: number) => {
    if (!waves.has(n)) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      waves.set(n, { opened, open });
    }
    return waves.get(n)!;
  };
  return {
    everyoneHere,
    /** Called by the waiting side: which wave the nth arrival joins is decided by `waveOf`. */
    async arrive(waveOf: (index: number) => number): Promise<void> {
      const index = arrived++;
      if (arrived === count) allArrived();
      await wave(waveOf(index)).opened;
    },
    open(n: number) {
      wave(n).open();
    },
  };
}
