import { ConfigError, DatabaseError, migrateDownAll, migrateLatest } from '../module/index.ts';
import { HostConfigError } from './host-config.ts';
import { HOST_MIGRATIONS } from './host-migrations.ts';
import { consoleOutput, openHost, startHost, type Output } from './start-host.ts';
import { parseWorkerArgs, runWorker } from './worker-command.ts';
import { runSyncFromCli, SYNC_COMMAND_USAGE } from './sync-command.ts';

export interface CommandContext {
  args: string[];
  env: NodeJS.ProcessEnv;
  output: Output;
}

export interface Subcommand {
  summary: string;
  usage?: string;
  run(context: CommandContext): Promise<number>;
}

/** One entry per subcommand; a new command is one more line here. */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  start: {
    summary: 'migrate, seed the demo users and serve the reference host (PORT, DATABASE_URL)',
    async run({ env, output }) {
      const running = await startHost(env, output);
      await running.stopped;
      return 0;
    },
  },
  worker: {
    summary: 'run job workers without the web server; several may share one database',
    usage: 'worker [--concurrency N] [--once]',
    async run({ args, env, output }) {
      const options = parseWorkerArgs(args);
      if (typeof options === 'string') {
        output.err(`worker: ${options}`);
        return 2;
      }
      return runWorker(env, options, output);
    },
  },
  'sync-domain-statuses': {
    summary: 'check every pending and active domain at its registrar now (what the 05:00 run does)',
    usage: SYNC_COMMAND_USAGE,
    run: ({ args, env, output }) => runSyncFromCli(args, env, output),
  },
  migrate: {
    summary: 'apply the module and host migrations',
    usage: 'migrate [--rollback-all]',
    async run({ args, env, output }) {
      const rollback = args.includes('--rollback-all');
      const unknown = args.filter((arg) => arg !== '--rollback-all');
      if (unknown.length) {
        output.err(`migrate: unknown option ${unknown[0]}`);
        return 2;
      }
      const opened = await openHost(env);
      try {
        const sets = [opened.host.module.migrations, HOST_MIGRATIONS];
        if (rollback) {
          await migrateDownAll(opened.knex, sets);
          output.out('rolled back every migration');
        } else {
          const applied = await migrateLatest(opened.knex, sets);
          if (!applied.length) output.out('already up to date');
          for (const name of applied) output.out(`applied ${name}`);
        }
        return 0;
      } finally {
        await opened.close();
      }
    },
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((name) => name.length));
  const lines = Object.entries(SUBCOMMANDS).map(([name, command]) => `  ${(command.usage ?? name).padEnd(width + 16)}${command.summary}`);
  return [
    'usage: domain-transfers <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'environment: DATABASE_URL, PORT, DT_CONFIG, DT_ENCRYPTION_KEY, SESSION_SECRET, SMTP_URL, LOG_LEVEL, DEMO_USERS',
  ].join('\n');
}

/** Returns the process exit code: 0 ok, 2 usage or configuration, 1 anything unexpected. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, output: Output = consoleOutput): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(usage());
    return name ? 0 : 2;
  }
  const command = SUBCOMMANDS[name];
  if (!command) {
    output.err(`unknown command "${name}"`);
    output.err(usage());
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    output.out(`usage: domain-transfers ${command.usage ?? name}\n  ${command.summary}`);
    return 0;
  }
  try {
    return await command.run({ args, env, output });
  } catch (error) {
    // Problems the operator can fix get one line and no stack trace.
    if (error instanceof ConfigError || error instanceof HostConfigError) {
      output.err(`config error: ${error.message}`);
      return 2;
    }
    if (error instanceof DatabaseError) {
      output.err(`database error: ${error.message}`);
      return 2;
    }
    output.err(`error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}
