import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { refuseInserts } from '../../test/support/refused-inserts.ts';
import type { ClientPrincipal } from '../host-context.ts';
import { IssueOnceTokens } from './issue-once.tokens.ts';

const db = useMigratedDatabase();
const KEY = crypto.randomBytes(32);
const ALICE: ClientPrincipal = { kind: 'client', clientId: 'c1', sessionId: 'session-alice' };
const BOB: ClientPrincipal = { kind: 'client', clientId: 'c1', sessionId: 'session-bob' };
const DOMAIN = 'example.com';

const tokens = (clock = new FakeClock(new Date('2026-06-01T00:00:00Z'))) => ({ clock, tokens: new IssueOnceTokens(db.knex, clock, KEY) });
/** A token signed with the real key over any parts, as only the server could make it. */
const signed = (nonce: string, at: string, principal = ALICE, domain = DOMAIN) =>
  `${nonce}.${at}.${crypto.createHmac('sha256', KEY).update(`issue-once|${principal.sessionId}|${domain}|${nonce}|${at}`).digest('base64url')}`;

describe('issue-once form tokens', () => {
  it('is used once; a use that ended before a code was issued may be tried again; once issued, a repeat is a replay with its time', async () => {
    const { clock, tokens: t } = tokens();
    const token = t.issue(ALICE, DOMAIN);
    const first = await t.use(token, ALICE, DOMAIN);
    expect(first.kind).toBe('fresh');
    // The first post failed before a code was issued: the form may be posted again.
    const retry = await t.use(token, ALICE, DOMAIN);
    expect(retry.kind).toBe('fresh');
    clock.advance(60_000);
    if (retry.kind === 'fresh') await retry.complete();
    const again = await t.use(token, ALICE, DOMAIN);
    expect(again).toEqual({ kind: 'replayed', issuedAt: clock.now() });
  });

  it('belongs to one session and one domain', async () => {
    const { tokens: t } = tokens();
    const token = t.issue(ALICE, DOMAIN);
    expect((await t.use(token, BOB, DOMAIN)).kind).toBe('invalid');
    expect((await t.use(token, ALICE, 'example.net')).kind).toBe('invalid');
    expect((await t.use(token, ALICE, DOMAIN)).kind).toBe('fresh');
    expect(await db.knex('dt_issue_once_tokens').count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('refuses what is not a whole token, even one signed over an empty part, and writes nothing', async () => {
    const { tokens: t } = tokens();
    const at = Date.parse('2026-06-01T00:00:00Z').toString(36);
    const good = t.issue(ALICE, DOMAIN);
    for (const token of [undefined, 42, ['a', 'b'], '', 'a.b', signed('', at), signed('nonce', ''), `${good}x`, good.slice(0, -1), `${good.split('.').slice(0, 2).join('.')}.`]) {
      expect((await t.use(token, ALICE, DOMAIN)).kind, String(token)).toBe('invalid');
    }
    expect(await db.knex('dt_issue_once_tokens').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect((await t.use(signed('nonce', at), ALICE, DOMAIN)).kind).toBe('fresh');
  });

  it('passes on a database failure instead of taking it for a repeat', async () => {
    const { tokens: t } = tokens();
    const allow = await refuseInserts(db.knex, 'dt_issue_once_tokens', 'tokens refused');
    try {
      await expect(t.use(t.issue(ALICE, DOMAIN), ALICE, DOMAIN)).rejects.toThrow(/tokens refused/);
    } finally {
      await allow();
    }
  });
});
