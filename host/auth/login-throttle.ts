import net from 'node:net';
import type { Knex } from 'knex';
import type { Clock } from '../../module/index.ts';
import { normalizeEmail } from '../accounts/account.repository.ts';
import type { LoginThrottleConfig } from '../host-config.ts';

const TABLE = 'host_login_failures';

export type LoginAttempt =
  | { allowed: false; retryAfterSeconds: number; limitedBy: 'account' | 'address' }
  | {
      allowed: true;
      /** The password was right: the attempt is not a failure, and the account's earlier failures stop counting. */
      succeeded(): Promise<void>;
    };

/**
 * Failed logins per account (the email tried, whether or not it exists) and per client address,
 * over a sliding window, kept in the database so every instance counts the same attempts.
 *
 * An attempt is recorded before the password is checked and only then are the earlier ones
 * counted: of two guesses racing each other, the later sees the earlier, so parallel requests
 * cannot all pass a check that none of them has been counted in yet. An attempt turned away
 * is removed again, so waiting out the window is enough to get back in.
 */
export class LoginThrottle {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly config: LoginThrottleConfig,
  ) {}

  async begin(email: string, ip: string | undefined): Promise<LoginAttempt> {
    const now = this.clock.now().getTime();
    const since = now - this.config.windowMs;
    const account = accountKeyOf(email);
    const address = addressKeyOf(ip);
    await this.knex(TABLE).where('created_at', '<=', since).del();
    const [id] = await this.knex(TABLE).insert({ account, address, account_cleared: false, created_at: now });
    const earlier = () => this.knex(TABLE).where('id', '<', Number(id)).andWhere('created_at', '>', since).orderBy('created_at', 'asc').pluck('created_at');
    const [byAccount, byAddress] = await Promise.all([earlier().where({ account, account_cleared: false }), earlier().where({ address })]);
    const accountWaitMs = this.waitMs(byAccount, this.config.perAccount, now);
    const addressWaitMs = this.waitMs(byAddress, this.config.perAddress, now);
    if (accountWaitMs > 0 || addressWaitMs > 0) {
      await this.knex(TABLE).where({ id }).del();
      return {
        allowed: false,
        retryAfterSeconds: Math.ceil(Math.max(accountWaitMs, addressWaitMs) / 1000),
        limitedBy: accountWaitMs >= addressWaitMs ? 'account' : 'address',
      };
    }
    return {
      allowed: true,
      succeeded: async () => {
        await this.knex(TABLE).where({ id }).del();
        await this.knex(TABLE).where({ account, account_cleared: false }).update({ account_cleared: true });
      },
    };
  }

  /** 0 while fewer than `limit` failures count, else how long until the oldest that matters expires. */
  private waitMs(failedAt: Array<number | string>, limit: number, now: number): number {
    if (failedAt.length < limit) return 0;
    const freeing = Number(failedAt[failedAt.length - limit]);
    return Math.max(freeing + this.config.windowMs - now, 1);
  }
}

export function accountKeyOf(email: string): string {
  return normalizeEmail(email).slice(0, 191);
}

/**
 * What a client address is counted as. An IPv6 subscriber is usually handed a whole /64, so
 * counting single addresses there would give one person billions of allowances.
 */
export function addressKeyOf(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const bare = ip.split('%')[0]!;
  if (!net.isIPv6(bare)) return ip.slice(0, 64);
  const [head = '', tail] = bare.split('::');
  const groupsOf = (part: string) => (part ? part.split(':') : []);
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
