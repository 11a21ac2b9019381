import { describe, expect, it } from 'vitest';
import { engineOf, insertRows } from '../../module/database.ts';
import { useMigratedDatabase } from '../support/test-database.ts';

const db = useMigratedDatabase();

/** How the engine reads an UPDATE: SQLite's plan detail, or MySQL/MariaDB's chosen key. */
async function accessOf(sql: string, bindings: Array<string | number>): Promise<string> {
  if (engineOf(db.knex) === 'sqlite') {
    const rows = (await db.knex.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join('; ');
  }
  const [rows] = (await db.knex.raw(`explain ${sql}`, bindings)) as [Array<{ key: string | null }>];
  return `key ${rows[0]!.key}`;
}

describe('transfer orders: updates guarded by status', () => {
  it('reach the orders by id, not through every order of that status', async () => {
    const now = Date.now();
    // A bulk transfer's worth of queued orders, so the engine's estimates have something to go on.
    await insertRows(
      db.knex,
      'dt_transfer_orders',
      Array.from({ length: 3_000 }, (_, i) => ({
        order_item_id: `item-${i}`,
        order_id: `order-${Math.floor(i / 1000)}`,
        invoice_id: `invoice-${Math.floor(i / 1000)}`,
        client_id: '1',
        domain: `plan-${i}.com`,
        registrar_id: 'sandbox',
        amount_minor: 1099,
        currency: 'USD',
        status: 'queued',
        created_at: now,
        updated_at: now,
      })),
    );
    // The shape the acceptance batch writes: these orders, if still queued.
    const access = await accessOf('update dt_transfer_orders set status = ?, updated_at = ? where id in (?, ?, ?) and status = ?', ['pending', now, 10, 20, 30, 'queued']);
    expect(access).not.toMatch(/status_updated_at/);
    expect(access).toMatch(/INTEGER PRIMARY KEY|dt_transfer_orders_status_id_index|key PRIMARY/);
  });
});
