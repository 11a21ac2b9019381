import type { Logger } from 'pino';
import { hashPassword } from '../auth/password.hasher.ts';
import type { AccountRepository, ContactInput } from './account.repository.ts';

export interface DemoCredentials {
  email: string;
  password: string;
}

export interface DemoUsersConfig {
  enabled: boolean;
  admin: DemoCredentials;
  client: DemoCredentials;
  /** A second client, so authorization can be tried between two clients. */
  otherClient: DemoCredentials;
}

export function demoUsersFromEnv(env: NodeJS.ProcessEnv): DemoUsersConfig {
  return {
    enabled: (env.DEMO_USERS ?? 'on').toLowerCase() !== 'off',
    admin: { email: env.DEMO_ADMIN_EMAIL || 'admin@example.com', password: env.DEMO_ADMIN_PASSWORD || 'admin-demo-password' },
    client: { email: env.DEMO_CLIENT_EMAIL || 'client@example.com', password: env.DEMO_CLIENT_PASSWORD || 'client-demo-password' },
    otherClient: { email: env.DEMO_CLIENT2_EMAIL || 'client2@example.com', password: env.DEMO_CLIENT2_PASSWORD || 'client2-demo-password' },
  };
}

const DEMO_CLIENT_CONTACT: ContactInput = {
  name: 'Alex Demo',
  organization: 'Demo Hosting Ltd',
  email: 'client@example.com',
  phone: '+1.5555550100',
  street: '100 Example Street\nSuite 5',
  city: 'Springfield',
  state: 'IL',
  postcode: '62701',
  countryCode: 'US',
};

const OTHER_CLIENT_CONTACT: ContactInput = {
  name: '王小明',
  organization: '',
  email: 'client2@example.com',
  phone: '+86.1065529988',
  street: '朝阳区建国路 88 号',
  city: '北京',
  state: '北京',
  postcode: '100022',
  countryCode: 'CN',
};

/**
 * Creates the demo logins that are missing and leaves existing ones (and their passwords)
 * alone, so it is safe on every start. Returns the emails it created.
 */
export async function seedDemoUsers(
  accounts: AccountRepository,
  config: DemoUsersConfig,
  logger?: Logger,
  hash: (password: string) => Promise<string> = hashPassword,
): Promise<string[]> {
  if (!config.enabled) return [];
  const created: string[] = [];
  if (!(await accounts.findUserByEmail(config.admin.email))) {
    await accounts.createAdmin({ email: config.admin.email, passwordHash: await hash(config.admin.password), name: 'Demo Admin' });
    created.push(config.admin.email);
  }
  if (!(await accounts.findUserByEmail(config.client.email))) {
    await accounts.createClient({
      email: config.client.email,
      passwordHash: await hash(config.client.password),
      contact: { ...DEMO_CLIENT_CONTACT, email: config.client.email },
    });
    created.push(config.client.email);
  }
  if (!(await accounts.findUserByEmail(config.otherClient.email))) {
    await accounts.createClient({
      email: config.otherClient.email,
      passwordHash: await hash(config.otherClient.password),
      locale: 'zh-CN',
      contact: { ...OTHER_CLIENT_CONTACT, email: config.otherClient.email },
    });
    created.push(config.otherClient.email);
  }
  if (created.length) logger?.info({ created }, 'demo users created');
  return created;
}
