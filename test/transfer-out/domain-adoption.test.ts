import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { ConflictError } from '../../module/errors.ts';
import { createOutWorld, OURS } from './transfer-out.support.ts';

const db = useMigratedDatabase();

describe('adoptDomain: a domain we sponsor becomes an active domain of a client', () => {
  it('creates it active with its expiry and an import history row; again is a no-op; another client is refused', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    const first = await adopt({ domain: 'Demo-Ours.com', clientId: world.clientId });
    expect(first).toMatchObject({ domain: OURS, created: true });
    const row = await db.knex('dt_domains').where({ id: first.id }).first();
    expect(row).toMatchObject({ status: 'active', client_id: world.clientId, registrar_id: 'sandbox' });
    expect(Number(row.expiry_date)).toBe((await world.registry.getDomain(OURS))!.expiresAt.getTime());
    expect(await db.knex('dt_domain_status_history').where({ domain_id: first.id }).select('from_status', 'to_status', 'cause')).toEqual([
      { from_status: null, to_status: 'active', cause: 'import' },
    ]);

    expect(await adopt({ domain: OURS, clientId: world.clientId })).toEqual({ id: first.id, domain: OURS, created: false });
    await expect(adopt({ domain: OURS, clientId: world.otherClientId })).rejects.toBeInstanceOf(ConflictError);
    expect((await world.client.agent.get('/client/domains')).text).toContain(OURS);
    await world.host.close();
  });
});
