import { describe, expect, it } from 'vitest';
import { hashPassword, PASSWORD_COST, verifyAgainstDecoy, verifyPassword } from './password.hasher.ts';
import { AccountRepository } from '../accounts/account.repository.ts';
import { demoUsersFromEnv, seedDemoUsers } from '../accounts/demo-users.seed.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';

describe('password hashes', () => {
  it('are scrypt at N=2^15, r=8, p=1 with a fresh salt each time, and check only the right password', async () => {
    expect(PASSWORD_COST).toEqual({ N: 32768, r: 8, p: 1 });
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(second).not.toBe(first);
    expect(await verifyPassword('correct horse', first)).toBe(true);
    expect(await verifyPassword('correct horse ', first)).toBe(false);
    expect(await verifyPassword('Correct horse', second)).toBe(false);
  });

  it('are checked at the cost they were made with, and compare Unicode forms alike', async () => {
    const cheap = await hashPassword('p\u00e4ss', { N: 1024, r: 8, p: 1 });
    expect(cheap.split('$').slice(1, 4)).toEqual(['1024', '8', '1']);
    expect(await verifyPassword('pa\u0308ss', cheap)).toBe(true);
    // The cost is part of what is checked: the same salt and hash at another N do not match.
    expect(await verifyPassword('p\u00e4ss', cheap.replace('$1024$', '$2048$'))).toBe(false);
  });

  it('refuse what is not one of ours', async () => {
    for (const stored of ['', 'plain', 'bcrypt$10$8$1$c2FsdA==$aGFzaA==', 'scrypt$1024$8$1$$']) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
    expect(await verifyAgainstDecoy('anything')).toBe(false);
  });
});

describe('the demo users a host seeds on start', () => {
  const db = useMigratedDatabase();

  it('get hashes at the product cost', async () => {
    const accounts = new AccountRepository(db.knex, { now: () => new Date() });
    const demo = demoUsersFromEnv({});
    expect(await seedDemoUsers(accounts, demo)).toHaveLength(3);
    const rows = await db.knex('host_users').select('password_hash');
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(String(row.password_hash)).toMatch(/^scrypt\$32768\$8\$1\$/);
  });
});
