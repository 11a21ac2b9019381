import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createOutWorld, OURS, post } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const codeHash = async () => (await db.knex('dt_sandbox_domains').where({ name: OURS }).first('auth_code_hash')).auth_code_hash;

describe('“Get EPP Code” runs once per form', () => {
  it('answers a reload of the post with when the code was issued, without asking the registrar or spending the allowance', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    const issue = /name="issue" value="([^"]+)"/.exec(page.text)![1]!;

    const first = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(first.status).toBe(200);
    expect(first.text).toContain('id="epp-code-value"');
    const hashAfterFirst = await codeHash();
    const hits = await countRows(db, 'dt_rate_limit_hits');

    world.clock.advance(90_000);
    const reload = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(reload.status).toBe(409);
    expect(reload.text).toContain('A code was already issued from this form at Jun 1, 2026, 09:00 UTC');
    expect(reload.text).not.toContain('id="epp-code-value"');
    expect(reload.headers['cache-control']).toMatch(/no-store/);
    expect(await codeHash()).toBe(hashAfterFirst);
    expect(await countRows(db, 'dt_rate_limit_hits')).toBe(hits);
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(1);
    // The page offers a fresh form, whose token works once more.
    const fresh = /name="issue" value="([^"]+)"/.exec(reload.text)![1]!;
    expect(fresh).not.toBe(issue);
    expect((await post(world.client, `/client/domains/${OURS}/epp-code`, { issue: fresh })).status).toBe(200);
    expect(await codeHash()).not.toBe(hashAfterFirst);
  });

  it('refuses a forged token, or one from another session or domain, without asking the registrar', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const before = await codeHash();
    for (const issue of ['', 'made.up.token', 'AAAAAAAAAAAAAAAAAAAAAA.zz.' + 'x'.repeat(43)]) {
      const response = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
      expect(response.status).toBe(422);
      expect(response.text).toContain('This form has expired');
    }
    expect(await codeHash()).toBe(before);
    expect(await countRows(db, 'dt_rate_limit_hits')).toBe(0);
  });
});
