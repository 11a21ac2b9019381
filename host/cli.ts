import { assertReachable, createKnex, migrateDownAll, migrateLatest, parseDatabaseUrl, runModuleCli, type CliHost, type CliOutput } from '../module/index.ts';
import { createReferenceHostContext } from './build-host.ts';
import { HostConfigError, loadHostConfig } from './host-config.ts';
import { HOST_MIGRATIONS } from './host-migrations.ts';
import { createHostLogger } from './host-logger.ts';
import { consoleOutput, startHost } from './start-host.ts';

/**
 * The reference host's context for the module's commands (migrate, worker,
 * sync-domain-statuses): the same ports as the web host, from the same environment. A real
 * platform writes its own and passes it with `--context FILE`.
 */
export async function referenceCliHost(env: NodeJS.ProcessEnv): Promise<CliHost> {
  const config = loadHostConfig(env);
  const target = parseDatabaseUrl(config.databaseUrl);
  const logger = createHostLogger(config.logLevel, env);
  // knex's pool errors go to pino instead of stack traces on stdout; the operator sees our one line.
  const knexLog = logger.child({ component: 'knex' });
  const knex = createKnex(target, { log: { debug: (m) => knexLog.debug(m), warn: (m) => knexLog.debug(m), error: (m) => knexLog.warn(m) } });
  const host = createReferenceHostContext({ knex, config: config.moduleConfig, logger, env: { ...env, SESSION_SECRET: config.sessionSecret } });
  const close = async () => {
    host.notifier.close();
    await knex.destroy();
  };
  try {
    await assertReachable(knex, target);
  } catch (error) {
    await close();
    throw error;
  }
  return { context: host.context, options: host.options, migrations: [HOST_MIGRATIONS], close };
}

/** The module's commands, with the reference host as their context, and `start`. */
export function main(argv: string[], env: NodeJS.ProcessEnv = process.env, output: CliOutput = consoleOutput, signals: NodeJS.EventEmitter = process): Promise<number> {
  return runModuleCli(argv, {
    env,
    output,
    signals,
    defaultHost: referenceCliHost,
    explain: (error) => (error instanceof HostConfigError ? `config error: ${error.message}` : undefined),
    commands: {
      start: {
        summary: 'migrate, seed the demo users and serve the reference host (PORT, DATABASE_URL)',
        usage: 'start',
        async run({ env: commandEnv, output: out }) {
          const running = await startHost(commandEnv, out);
          await running.stopped;
          return 0;
        },
      },
      'reset-demo': {
        summary: 'start the demo over: drops every module and host table in DATABASE_URL and migrates afresh (needs --yes)',
        usage: 'reset-demo --yes',
        async run({ args, output: out, open }) {
          if (!args.includes('--yes')) {
            out.err('reset-demo deletes every transfer, order, invoice, client and sandbox domain in this database. Run `domain-transfers reset-demo --yes` to do it.');
            return 2;
          }
          const { module, knex, migrations } = await open();
          const sets = [module.migrations, ...migrations];
          await migrateDownAll(knex, sets);
          await migrateLatest(knex, sets);
          out.out('the demo starts over: every table is empty again. `npm start` seeds the demo users and sandbox domains.');
          return 0;
        },
      },
    },
  });
}
