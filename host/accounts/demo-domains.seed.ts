import type { Logger } from 'pino';
import { AppError, SANDBOX_DEMO_DOMAINS, type DomainTransferModule } from '../../module/index.ts';
import type { AccountRepository } from './account.repository.ts';

/**
 * Gives the demo client the sandbox domains we sponsor, so transfer-out (lock, EPP code,
 * pending requests) can be tried at once. Only where a sandbox registrar serves them.
 */
export async function seedDemoDomains(module: DomainTransferModule, accounts: AccountRepository, clientEmail: string, logger: Logger): Promise<string[]> {
  const client = await accounts.findUserByEmail(clientEmail);
  if (!client?.client_id) return [];
  const adopted: string[] = [];
  for (const demo of SANDBOX_DEMO_DOMAINS.filter((d) => d.ours)) {
    const registrarId = module.routeFor(demo.name);
    if (!registrarId || !module.sandbox(registrarId)) continue;
    try {
      const result = await module.adoptDomain({ domain: demo.name, clientId: String(client.client_id), actor: 'demo-seed' });
      if (result.created) adopted.push(demo.name);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      logger.info({ domain: demo.name }, 'demo domain already belongs to someone else; left alone');
    }
  }
  if (adopted.length) logger.info({ adopted }, 'demo domains given to the demo client');
  return adopted;
}
