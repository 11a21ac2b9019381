import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { writeProvisioningLog } from './provisioning-log.ts';

const db = useMigratedDatabase();
const AT = new Date('2026-06-01T12:00:00Z');

describe('Provisioning log', () => {
  it('records a registrar call with its registrar and words, the words capped at 4,000 characters', async () => {
    await writeProvisioningLog(db.knex, { domain: 'example.com', registrarId: 'sandbox', action: 'transfer.request', outcome: 'failed', message: `${'x'.repeat(3999)}yz` }, AT);
    const row = await db.knex('dt_provisioning_log').first();
    expect(row).toMatchObject({ domain: 'example.com', registrar_id: 'sandbox', transfer_order_id: null, action: 'transfer.request', outcome: 'failed' });
    expect(row.message).toBe(`${'x'.repeat(3999)}y`);
    expect(Number(row.created_at)).toBe(AT.getTime());
  });

  it('stores no registrar and no words as empty, not as text', async () => {
    await writeProvisioningLog(db.knex, { domain: 'example.com', action: 'transfer.confirm', outcome: 'ok' }, AT);
    expect(await db.knex('dt_provisioning_log').first('registrar_id', 'message', 'transfer_order_id')).toEqual({ registrar_id: null, message: null, transfer_order_id: null });
  });
});
