import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import type { ClientPrincipal } from '../../module/host-context.ts';
import type { TokenUse } from '../../module/transfer-out/issue-once.tokens.ts';
import { countRows, createOutWorld, OURS, post, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();
const HOUR = 60 * 60 * 1000;

const codeHash = async () => (await db.knex('dt_sandbox_domains').where({ name: OURS }).first('auth_code_hash')).auth_code_hash;

/** Loads the domain page as a browser tab would, and returns its Get EPP Code form's token. */
async function openTab(world: OutWorld): Promise<string> {
  const page = await world.client.agent.get(`/client/domains/${OURS}`);
  return /name="issue" value="([^"]+)"/.exec(page.text)![1]!;
}

const getCode = (world: OutWorld, issue: string) => post(world.client, `/client/domains/${OURS}/epp-code`, { issue });

describe('the Get EPP Code form is good for twelve hours', () => {
  it('still works after exactly twelve hours, and after that says the form has expired without asking the registrar', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const kept = await openTab(world);
    const stale = await openTab(world);

    world.clock.advance(12 * HOUR);
    expect((await getCode(world, kept)).status).toBe(200);

    world.clock.advance(1);
    const before = await codeHash();
    const hits = await countRows(db, 'dt_rate_limit_hits');
    const expired = await getCode(world, stale);
    expect(expired.status).toBe(422);
    expect(expired.text).toContain('This form has expired. Use the button below to request the code.');
    expect(expired.text).not.toContain('id="epp-code-value"');
    expect(await codeHash()).toBe(before);
    expect(await countRows(db, 'dt_rate_limit_hits')).toBe(hits);
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(1);
    await world.host.close();
  });
});

describe('a Get EPP Code form whose post failed before a code was issued', () => {
  it('may be posted again, once, while another tab’s failed form stays usable on its own', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const first = await openTab(world);
    const second = await openTab(world);
    await world.registry.injectFault('getEppCode', 'transient', 2);
    expect((await getCode(world, first)).status).toBe(424);
    expect((await getCode(world, second)).status).toBe(424);
    expect(await countRows(db, 'dt_audit_log')).toBe(0);

    world.clock.advance(60_000);
    const retried = await getCode(world, first);
    expect(retried.status).toBe(200);
    expect(retried.text).toContain('id="epp-code-value"');
    const afterRetry = await codeHash();

    // A reload of the retried form is a replay; the other tab's form was never used up.
    world.clock.advance(60_000);
    const reload = await getCode(world, first);
    expect(reload.status).toBe(409);
    expect(reload.text).toContain('A code was already issued from this form at Jun 1, 2026, 09:01 UTC');
    expect(await codeHash()).toBe(afterRetry);

    const other = await getCode(world, second);
    expect(other.status).toBe(200);
    expect(other.text).toContain('id="epp-code-value"');
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(2);
    await world.host.close();
  });

  it('tells a post that arrives while the retry is issuing its code that a code was issued, rather than issuing another', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const tokens = world.host.module.services.issueOnce;
    const principal: ClientPrincipal = { kind: 'client', clientId: world.clientId, sessionId: 'tab-session' };
    const token = tokens.issue(principal, OURS);

    // The first post got its token accepted, then failed at the registrar: nothing issued.
    expect((await tokens.use(token, principal, OURS)).kind).toBe('fresh');
    // The retry claims the form and goes on to issue the code ...
    const retry = await tokens.use(token, principal, OURS);
    if (retry.kind !== 'fresh') throw new Error(`the retry was ${retry.kind}`);

    // ... and finishes just after a third post has seen the form still unissued.
    let issuing: Promise<void> | undefined;
    const finishRetry = (_response: unknown, query: { sql?: string }) => {
      if (!issuing && /issued_at/.test(query.sql ?? '') && /^select/i.test(query.sql ?? '')) issuing = retry.complete();
    };
    db.knex.on('query-response', finishRetry);
    let third: TokenUse;
    try {
      third = await tokens.use(token, principal, OURS);
    } finally {
      db.knex.removeListener('query-response', finishRetry);
    }
    await issuing;
    expect(issuing).toBeDefined();
    expect(third).toEqual({ kind: 'replayed', issuedAt: world.clock.now() });
    // The form is spent for good: a reload is a replay as well.
    expect((await tokens.use(token, principal, OURS)).kind).toBe('replayed');
    await world.host.close();
  });
});
