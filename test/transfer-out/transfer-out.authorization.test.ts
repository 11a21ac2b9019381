import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createOutWorld, DEMO, OURS, post, session, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();

/** Every state-changing transfer-out route under a domain's page. */
const ACTIONS = ['lock', 'unlock', 'epp-code', 'transfer-out/cancel', 'transfer-out/approve', 'transfer-out/reject'];
/** The transfer-in routes on the same page, which must refuse another client just the same. */
const TRANSFER_IN_ACTIONS = ['transfer/auth-code', 'transfer/cancel'];

/** A's domain, unlocked with a transfer-out pending, so that any action that got through would change something. */
async function armed(world: OutWorld) {
  await world.registry.requestTransferOut(OURS, 'other-registrar');
  return { before: JSON.stringify(await world.registry.getDomain(OURS)) };
}

async function expectUntouched(world: OutWorld, before: string) {
  expect(JSON.stringify(await world.registry.getDomain(OURS))).toBe(before);
  expect(await countRows(db, 'dt_audit_log')).toBe(0);
  expect(await countRows(db, 'dt_rate_limit_hits')).toBe(0);
  expect(await countRows(db, 'dt_manual_tasks')).toBe(0);
}

describe('another client’s domain answers 404 on every route, exactly like a domain that does not exist', () => {
  it('client B gets 404 for GET and every POST on client A’s domain, and nothing changes', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const { before } = await armed(world);
    const b = await session(world.host, DEMO.otherClient, '/client/domains');

    const requests: Array<[string, string]> = [
      ['GET', ''],
      ['HEAD', ''],
      ...[...ACTIONS, ...TRANSFER_IN_ACTIONS].map((a) => ['POST', `/${a}`] as [string, string]),
    ];
    for (const [method, suffix] of requests) {
      const send = (domain: string) => {
        const path = `/client/domains/${domain}${suffix}`;
        if (method === 'GET') return b.agent.get(path);
        if (method === 'HEAD') return b.agent.head(path);
        return b.agent.post(path).type('form').send({ _csrf: b.csrf, reason: 'x', eppCode: 'Abcd1234!' });
      };
      const theirs = await send(OURS);
      const missing = await send('no-such-domain.com');
      expect(theirs.status, `${method} ${suffix || '(page)'}`).toBe(404);
      expect(missing.status).toBe(404);
      expect((theirs.text ?? '').replaceAll(OURS, 'X')).toBe((missing.text ?? '').replaceAll('no-such-domain.com', 'X'));
    }
    // The owner still sees it.
    expect((await world.client.agent.get(`/client/domains/${OURS}`)).status).toBe(200);
    await expectUntouched(world, before);
    await world.host.close();
  });

  it('an admin can see and act on any client’s domain; the action is audited as the admin', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    expect((await admin.agent.get(`/admin/domains/${OURS}`)).text).toContain(`action="/admin/domains/${OURS}/epp-code"`);
    const shown = await post(admin, `/admin/domains/${OURS}/epp-code`);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toContain('no-store');
    expect(shown.text).toMatch(/<code class="secret" id="epp-code-value">[A-Za-z0-9_-]{16,}<\/code>/);
    await post(admin, `/admin/domains/${OURS}/lock`);
    const rows = await db.knex('dt_audit_log').orderBy('id').select('actor_kind', 'action', 'domain');
    expect(rows).toEqual([
      { actor_kind: 'admin', action: 'transfer_out.epp_code', domain: OURS },
      { actor_kind: 'admin', action: 'transfer_out.lock', domain: OURS },
    ]);
    // A client cannot use the admin routes at all.
    expect((await post(world.client, `/admin/domains/${OURS}/unlock`)).status).toBe(403);
    await world.host.close();
  });
});

describe('every state-changing transfer-out route needs the session’s CSRF token', () => {
  it.each(['client', 'admin'] as const)('%s routes: no token or a wrong one → 403, and nothing changes', async (kind) => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const { before } = await armed(world);
    const actor = kind === 'client' ? world.client : await session(world.host, DEMO.admin, '/admin/domains');
    const someoneElse = await session(world.host, DEMO.otherClient, '/client/domains');
    expect(someoneElse.csrf).not.toBe(actor.csrf);

    for (const action of ACTIONS) {
      const path = `/${kind}/domains/${OURS}/${action}`;
      const attempts = [
        actor.agent.post(path).type('form').send({ reason: 'x' }),
        actor.agent.post(path).type('form').send({ _csrf: 'forged-token', reason: 'x' }),
        actor.agent.post(path).type('form').send({ _csrf: someoneElse.csrf, reason: 'x' }),
        actor.agent.post(path).set('x-csrf-token', someoneElse.csrf).type('form').send({ reason: 'x' }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.status, path).toBe(403);
        expect(response.text).toContain('This form has expired or did not come from this site');
      }
    }
    await expectUntouched(world, before);
    await world.host.close();
  });
});
