import { describe, expect, it } from 'vitest';
import { CONTRACT_CONTACTS } from '../../testing/adapter-contract.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { RegistrarError } from '../types.ts';
import { SANDBOX_DEMO_AUTH_CODE } from './sandbox.demo-data.ts';
import { createSandbox } from './sandbox.test-support.ts';

const db = useMigratedDatabase();
const request = (domain = 'demo-transferable.com') => ({ domain, authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });

describe('sandbox concurrency', () => {
  it('of five concurrent transfer calls for one domain exactly one goes pending; the rest get already_pending', async () => {
    const { adapter } = await createSandbox(db.knex);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => adapter.transfer(request())));
    const pending = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(pending).toHaveLength(1);
    expect(refused.map((o) => (o.reason as RegistrarError).code)).toEqual(Array(4).fill('already_pending'));
    const rows = await db.knex('dt_sandbox_transfers').where({ domain: 'demo-transferable.com' });
    expect(rows).toHaveLength(1);
  });

  it('concurrent readers after the action date apply the transfer exactly once', async () => {
    const { adapter, clock } = await createSandbox(db.knex);
    await adapter.transfer(request());
    clock.advanceDays(5);
    const statuses = await Promise.all(Array.from({ length: 6 }, () => adapter.getTransferStatus('demo-transferable.com')));
    expect(new Set(statuses.map((s) => (s.kind === 'completed' ? s.expiryDate.getTime() : s.kind))).size).toBe(1);
    expect(statuses[0]!.kind).toBe('completed');
    expect(await adapter.poll()).toHaveLength(1);
  });

  it('a repeated request after success is already_pending with our own request named', async () => {
    const { adapter } = await createSandbox(db.knex);
    await adapter.transfer(request());
    await expect(adapter.transfer(request())).rejects.toMatchObject({ code: 'already_pending', registrarMessage: expect.stringMatching(/already has your transfer request pending/) });
  });
});

describe('sandbox auth codes', () => {
  it('getEppCode sets a different strong code each time, and no code reaches the logs or the tables', async () => {
    const { adapter, capture, registry } = await createSandbox(db.knex);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await adapter.getEppCode('demo-ours.com');
      if (result.kind !== 'code') throw new Error('expected a code');
      codes.push(result.code);
    }
    expect(new Set(codes).size).toBe(3);
    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Only the last code admits a transfer.
    await expect(registry.requestTransferOut('demo-ours.com', 'other-registrar', { authCode: codes[1] })).rejects.toMatchObject({ code: 'auth_code_invalid' });
    await registry.requestTransferOut('demo-ours.com', 'other-registrar', { authCode: codes[2] });
    await adapter.transfer({ ...request(), authCode: `${SANDBOX_DEMO_AUTH_CODE}` });

    const logs = capture.text();
    expect(logs).toContain('sandbox registry set a fresh auth code');
    for (const code of [...codes, SANDBOX_DEMO_AUTH_CODE]) expect(logs).not.toContain(code);
    const dump = JSON.stringify(await db.knex('dt_sandbox_domains').select()) + JSON.stringify(await db.knex('dt_sandbox_transfers').select());
    for (const code of [...codes, SANDBOX_DEMO_AUTH_CODE]) expect(dump).not.toContain(code);
  });

  it('with emailEppCodes the code is mailed to the registrant instead of returned', async () => {
    const { adapter } = await createSandbox(db.knex, { emailEppCodes: true });
    expect(await adapter.getEppCode('demo-ours.com')).toEqual({ kind: 'emailed', to: 'owner@demo-ours.com' });
  });

  it('getEppCode for a domain we do not sponsor is refused', async () => {
    const { adapter } = await createSandbox(db.knex);
    await expect(adapter.getEppCode('demo-transferable.com')).rejects.toMatchObject({ code: 'not_found', registrarMessage: expect.stringMatching(/sponsored by other-registrar/) });
  });
});

describe('sandbox faults and latency', () => {
  it('an injected fault fails the next calls of that operation, then the registry answers again', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.injectFault('transfer', 'transient', 2);
    for (let i = 0; i < 2; i++) {
      const error = await adapter.transfer(request()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistrarError);
      expect((error as RegistrarError).code).toBe('transient');
      expect((error as RegistrarError).retryable).toBe(true);
    }
    expect(await adapter.getLock('demo-ours.com')).toBe(false);
    expect((await adapter.transfer(request())).kind).toBe('pending');
  });

  it('a wildcard fault hits whichever call comes next', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.injectFault('*', 'rate_limited', 1);
    await expect(adapter.getDomainInfo('demo-ours.com')).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await adapter.getDomainInfo('demo-ours.com')).sponsoredByUs).toBe(true);
  });

  it('injected faults take precedence over the random transient rate', async () => {
    const { adapter, registry } = await createSandbox(db.knex, { transientErrorRate: 1 });
    await registry.injectFault('getLock', 'not_eligible', 1);
    await expect(adapter.getLock('demo-ours.com')).rejects.toMatchObject({ code: 'not_eligible' });
    await expect(adapter.getLock('demo-ours.com')).rejects.toMatchObject({ code: 'transient' });
  });

  it('a transient rate of 1 fails every call, and 0 fails none', async () => {
    const always = await createSandbox(db.knex, { transientErrorRate: 1 });
    for (let i = 0; i < 5; i++) await expect(always.adapter.getDomainInfo('demo-ours.com')).rejects.toMatchObject({ code: 'transient' });
    const never = await createSandbox(db.knex, { transientErrorRate: 0 });
    for (let i = 0; i < 5; i++) expect((await never.adapter.getDomainInfo('demo-ours.com')).domain).toBe('demo-ours.com');
  });

  it('calls arriving together ask the fault table once between them', async () => {
    const { adapter } = await createSandbox(db.knex);
    let faultQueries = 0;
    const count = (q: { sql: string }) => {
      if (q.sql.includes('dt_sandbox_faults')) faultQueries++;
    };
    db.knex.on('query', count);
    try {
      await Promise.all(Array.from({ length: 10 }, () => adapter.getLock('demo-ours.com')));
    } finally {
      db.knex.off('query', count);
    }
    expect(faultQueries).toBe(1);
  });

  it('unknown error codes are refused when injecting', async () => {
    const { registry } = await createSandbox(db.knex);
    await expect(registry.injectFault('transfer', 'exploded', 1)).rejects.toThrow(/unknown registrar error code "exploded"/);
  });

  it('latency delays every call by latencyMs, varied by the jitter', async () => {
    const slow = await createSandbox(db.knex, { latencyMs: 80 });
    let started = performance.now();
    await slow.adapter.getLock('demo-ours.com');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);

    const jittery = await createSandbox(db.knex, { latencyMs: 40, latencyJitterMs: 40 });
    const durations: number[] = [];
    for (let i = 0; i < 8; i++) {
      started = performance.now();
      await jittery.adapter.getLock('demo-ours.com');
      durations.push(performance.now() - started);
    }
    expect(Math.max(...durations)).toBeLessThan(400);
    expect(Math.max(...durations) - Math.min(...durations)).toBeGreaterThan(2);

    const fast = await createSandbox(db.knex);
    started = performance.now();
    await fast.adapter.getLock('demo-ours.com');
    expect(performance.now() - started).toBeLessThan(75);
  });
});
