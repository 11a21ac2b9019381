import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock, Principal } from '../host-context.ts';
import { isUniqueViolation } from '../transfer-in/transfer-order.service.ts';

const LIFETIME_MS = 12 * 60 * 60 * 1000;
const KEEP_MS = 24 * 60 * 60 * 1000;

export type TokenUse = { kind: 'fresh'; complete(): Promise<void> } | { kind: 'replayed'; issuedAt: Date } | { kind: 'invalid' };

/**
 * One-time tokens for forms whose post must not run twice (Get EPP Code). A token is signed
 * for one session and one domain, so it cannot be forged or moved; its first use is recorded
 * by hash, and a second use of a token whose code was issued is a replay. A use that failed
 * before a code was issued may run again.
 */
export class IssueOnceTokens {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {}

  issue(principal: Principal, domain: string): string {
    const nonce = crypto.randomBytes(16).toString('base64url');
    const at = this.clock.now().getTime().toString(36);
    return `${nonce}.${at}.${this.sign(principal, domain, nonce, at)}`;
  }

  async use(token: unknown, principal: Principal, domain: string): Promise<TokenUse> {
    if (typeof token !== 'string') return { kind: 'invalid' };
    const [nonce, at, signature] = token.split('.');
    if (!nonce || !at || !signature) return { kind: 'invalid' };
    const expected = Buffer.from(this.sign(principal, domain, nonce, at));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { kind: 'invalid' };
    const now = this.clock.now().getTime();
    if (now - parseInt(at, 36) > LIFETIME_MS) return { kind: 'invalid' };

    const tokenHash = crypto.createHash('sha256').update(token).digest('hex');
    await this.knex('dt_issue_once_tokens').where('used_at', '<', now - KEEP_MS).del();
    try {
      await this.knex('dt_issue_once_tokens').insert({ token_hash: tokenHash, domain, used_at: now, issued_at: null });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const row = await this.knex('dt_issue_once_tokens').where({ token_hash: tokenHash }).first('issued_at');
      if (row?.issued_at !== null && row?.issued_at !== undefined) return { kind: 'replayed', issuedAt: new Date(Number(row.issued_at)) };
      // The first use ended before a code was issued (an error page); this one may try again.
      const claimed = await this.knex('dt_issue_once_tokens').where({ token_hash: tokenHash }).whereNull('issued_at').update({ used_at: now });
      if (claimed !== 1) return { kind: 'replayed', issuedAt: new Date(now) };
    }
    return {
      kind: 'fresh',
      complete: async () => {
        await this.knex('dt_issue_once_tokens').where({ token_hash: tokenHash }).update({ issued_at: this.clock.now().getTime() });
      },
    };
  }

  private sign(principal: Principal, domain: string, nonce: string, at: string): string {
    return crypto.createHmac('sha256', this.key).update(`issue-once|${principal.sessionId}|${domain}|${nonce}|${at}`).digest('base64url');
  }
}
