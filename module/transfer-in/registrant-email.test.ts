import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { RegistrarError } from '../../registrar-adapters/registrar-error.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { AppError, RateLimitedError } from '../errors.ts';
import { resendRegistrantEmail } from './registrant-email.ts';

/**
 * Asking the registrar to mail the registrant again, against a real database. The registrar is
 * a stand-in that records each call and answers as told: what is checked here is who may ask,
 * when, and what is kept; the Alibaba Cloud adapter's own call is tested with its mock API.
 */
const db = useMigratedDatabase();
const DOMAIN = 'shop.cn';
const CLIENT = { kind: 'client' as const, clientId: '7' };
const ADMIN = { kind: 'admin' as const };

function world(answer: () => Promise<void> = async () => undefined, withResend = true) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const adapter = withResend
    ? {
        resendTransferEmail: async (domain: string) => {
          calls.push(domain);
          await answer();
        },
      }
    : {};
  const registrars = { get: (id: string) => (id === 'alibaba' ? adapter : undefined) } as unknown as RegistrarRegistry;
  const resend = (principal: typeof CLIENT | typeof ADMIN, domain = DOMAIN) => resendRegistrantEmail({ knex: db.knex, clock, registrars }, principal, domain);
  return { clock, calls, resend };
}

async function domain(values: Record<string, unknown> = {}): Promise<void> {
  const at = Date.parse('2026-03-01T00:00:00Z');
  await db.knex('dt_domains').insert({ domain: DOMAIN, client_id: '7', registrar_id: 'alibaba', status: 'pending', awaiting: 'registrant_email', status_changed_at: at, created_at: at, updated_at: at, ...values });
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; key: string; params: Record<string, unknown>; retryAfter?: number }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  const e = error as AppError;
  return { status: e.status, key: e.messageKey, params: e.params, ...(e instanceof RateLimitedError ? { retryAfter: e.retryAfterSeconds } : {}) };
}

const logged = () => db.knex('dt_provisioning_log').where({ domain: DOMAIN }).orderBy('id').select('action', 'outcome', 'message', 'registrar_id', 'transfer_order_id', 'created_at');

describe('asking for the registrant’s confirmation email again', () => {
  it('asks the registrar once and logs who asked: the domain’s client, or an admin for any client', async () => {
    await domain();
    const w = world();
    await w.resend(CLIENT);
    w.clock.advance(5 * 60_000);
    await w.resend(ADMIN);
    expect(w.calls).toEqual([DOMAIN, DOMAIN]);
    const start = Date.parse('2026-03-02T10:00:00Z');
    expect((await logged()).map((row) => ({ ...row, created_at: Number(row.created_at) }))).toEqual([
      { action: 'transfer.resend_email', outcome: 'ok', message: 'asked by the client', registrar_id: 'alibaba', transfer_order_id: null, created_at: start },
      { action: 'transfer.resend_email', outcome: 'ok', message: 'asked by an admin', registrar_id: 'alibaba', transfer_order_id: null, created_at: start + 5 * 60_000 },
    ]);
  });

  it('is not found for another client’s domain or an unknown one, and the registrar is not asked', async () => {
    await domain();
    const w = world();
    expect(await refusal(w.resend({ kind: 'client', clientId: '8' }))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    expect(await refusal(w.resend(CLIENT, 'other.cn'))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    expect(await refusal(w.resend(ADMIN, 'other.cn'))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    expect(w.calls).toEqual([]);
  });

  it.each([
    ['an active domain', { status: 'active', awaiting: null }, true],
    ['a pending one waiting on something else', { awaiting: 'registry' }, true],
    ['a pending one waiting on nothing', { awaiting: null }, true],
    ['a cancelled one that once waited for the email', { status: 'cancelled' }, true],
    ['a registrar that cannot send it again', {}, false],
  ])('is refused for %s (409, naming the domain)', async (_, values, withResend) => {
    await domain(values);
    const w = world(undefined, withResend);
    expect(await refusal(w.resend(CLIENT))).toEqual({ status: 409, key: 'domains:detail.email_not_awaited', params: { domain: DOMAIN } });
    expect(await refusal(w.resend(ADMIN))).toEqual({ status: 409, key: 'domains:detail.email_not_awaited', params: { domain: DOMAIN } });
    expect(w.calls).toEqual([]);
  });

  it('is refused for a registrar the configuration no longer has', async () => {
    await domain({ registrar_id: 'gone' });
    expect(await refusal(world().resend(CLIENT))).toMatchObject({ status: 409, key: 'domains:detail.email_not_awaited' });
  });

  it('asks at most once in five minutes per domain, whoever asks, saying when to ask again', async () => {
    await domain();
    const w = world();
    await w.resend(CLIENT);
    w.clock.advance(60_000);
    expect(await refusal(w.resend(ADMIN))).toEqual({ status: 429, key: 'domains:detail.email_resent_recently', params: { minutes: 4 }, retryAfter: 240 });
    w.clock.advance(4 * 60_000 - 1);
    expect(await refusal(w.resend(CLIENT))).toEqual({ status: 429, key: 'domains:detail.email_resent_recently', params: { minutes: 1 }, retryAfter: 0.001 });
    w.clock.advance(1);
    await w.resend(CLIENT);
    expect(w.calls).toHaveLength(2);
  });

  it('counts only resends the registrar made, and only of this domain', async () => {
    await domain();
    const at = Date.parse('2026-03-02T09:59:00Z');
    await db.knex('dt_provisioning_log').insert([
      { domain: DOMAIN, registrar_id: 'alibaba', action: 'transfer.resend_email', outcome: 'error', message: 'refused', created_at: at },
      { domain: DOMAIN, registrar_id: 'alibaba', action: 'transfer.request', outcome: 'ok', message: 'sent', created_at: at },
      { domain: 'other.cn', registrar_id: 'alibaba', action: 'transfer.resend_email', outcome: 'ok', message: 'asked by the client', created_at: at },
    ]);
    const w = world();
    await w.resend(CLIENT);
    expect(w.calls).toEqual([DOMAIN]);
  });

  it('reads the latest resend, not the first', async () => {
    await domain();
    const w = world();
    await w.resend(CLIENT);
    w.clock.advance(10 * 60_000);
    await w.resend(CLIENT);
    w.clock.advance(60_000);
    expect(await refusal(w.resend(CLIENT))).toMatchObject({ status: 429, params: { minutes: 4 } });
  });

  it('passes on the registrar’s refusal (409) or outage (503) with its words, cut at 300 characters, and logs nothing', async () => {
    await domain();
    const long = `DomainTransferPendingNotExist: ${'x'.repeat(400)}`;
    const refused = world(async () => {
      throw new RegistrarError('not_eligible', long);
    });
    expect(await refusal(refused.resend(CLIENT))).toEqual({ status: 409, key: 'domains:detail.email_not_resent', params: { message: long.slice(0, 300) } });
    const down = world(async () => {
      throw new RegistrarError('transient', 'ServiceUnavailable');
    });
    expect(await refusal(down.resend(CLIENT))).toEqual({ status: 503, key: 'domains:detail.email_not_resent', params: { message: 'ServiceUnavailable' } });
    expect(await logged()).toEqual([]);
  });

  it('lets a failure that is not the registrar’s answer through as it is', async () => {
    await domain();
    const broken = new TypeError('adapter bug');
    const w = world(async () => {
      throw broken;
    });
    await expect(w.resend(CLIENT)).rejects.toBe(broken);
    expect(await logged()).toEqual([]);
  });
});
