import { migrateLatest, runSyncCommand, SYNC_COMMAND_USAGE } from '../module/index.ts';
import { HOST_MIGRATIONS } from './host-migrations.ts';
import { openHost, type Output } from './start-host.ts';

export { SYNC_COMMAND_USAGE };

/** `domain-transfers sync-domain-statuses`: the same run as the 05:00 task and the admin button. */
export async function runSyncFromCli(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const opened = await openHost(env);
  try {
    await migrateLatest(opened.knex, [opened.host.module.migrations, HOST_MIGRATIONS]);
    for (const adapter of opened.host.module.registrars.all()) await adapter.init?.();
    return await runSyncCommand(args, { sync: opened.host.module.services.sync, output });
  } finally {
    await opened.close();
  }
}
