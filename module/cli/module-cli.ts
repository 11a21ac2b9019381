import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { createDomainTransferModule, type CreateModuleOptions, type DomainTransferModule } from '../create-module.ts';
import type { HostContext } from '../host-context.ts';
import { migrateDownAll, migrateLatest, type MigrationSet } from '../migration-source.ts';
import { runSyncCommand, SYNC_COMMAND_USAGE } from './sync.command.ts';
import { parseSandboxArgs, runSandboxCommand, SANDBOX_COMMAND_USAGE } from './sandbox.command.ts';
import { describeCliError } from './cli-errors.ts';
import { asDatabaseError, stopRequest, untilDatabaseAnswers } from './wait-for-database.ts';
import { IMPORT_TRANSFERS_USAGE, parseImportTransfersArgs, runImportTransfers } from './import-transfers.command.ts';
import { manifest } from '../config.ts';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * What a host's context file gives the command line: the same context (and options) it
 * passes to createDomainTransferModule, wired the same way, so a worker process delivers hooks
 * to the host's own listeners and messages through its own notifier.
 */
export interface CliHost {
  context: HostContext;
  options?: CreateModuleOptions;
  /** The host's own migration sets, applied after the module's by `migrate`. */
  migrations?: MigrationSet[];
  /** Closes what the factory opened: the knex instance, mail transports… */
  close?(): Promise<void>;
}

/** The default export (or `createContext` export) of a `--context FILE`. */
export type CliHostFactory = (env: NodeJS.ProcessEnv) => CliHost | Promise<CliHost>;

/** A command with its host open: the module built from the context, not started. */
export interface OpenedCliHost {
  module: DomainTransferModule;
  knex: Knex;
  migrations: MigrationSet[];
}

export interface CliCommandContext {
  args: string[];
  env: NodeJS.ProcessEnv;
  output: CliOutput;
  signals: NodeJS.EventEmitter;
  /** Loads the context, checks the database answers and builds the module; closed after the command. */
  open(): Promise<OpenedCliHost>;
}

export interface CliCommand {
  summary: string;
  usage: string;
  run(context: CliCommandContext): Promise<number>;
}

export const MODULE_COMMANDS: Record<string, CliCommand> = {
  migrate: {
    summary: "apply the module's migrations (and the host's, when its context lists them)",
    usage: 'migrate [--rollback-all]',
    async run({ args, output, open }) {
      const unknown = args.filter((arg) => arg !== '--rollback-all');
      if (unknown.length) return usageError(output, 'migrate', `unknown option ${unknown[0]}`);
      const { module, knex, migrations } = await open();
      const sets = [module.migrations, ...migrations];
      if (args.includes('--rollback-all')) {
        await migrateDownAll(knex, sets);
        output.out('rolled back every migration');
        return 0;
      }
      const applied = await migrateLatest(knex, sets);
      if (!applied.length) output.out('already up to date');
      for (const name of applied) output.out(`applied ${name}`);
      return 0;
    },
  },
  worker: {
    summary: 'run job workers (transfers, notifications, hook deliveries) without a web server; several may share one database',
    usage: 'worker [--concurrency N] [--once] [--wait-for-database SECONDS]',
    async run({ args, output, open, signals }) {
      const options = parseWorkerArgs(args);
      if (typeof options === 'string') return usageError(output, 'worker', options);
      const prepared = async () => {
        const { module: opened } = await open();
        await opened.prepare();
        return opened;
      };
      // Listened for from the start: a stop asked for while the worker opens its database must
      // not be lost (the worker would then run on until a second signal).
      const stop = stopRequest(signals);
      try {
        const module = await untilDatabaseAnswers(prepared, { waitMs: options.waitForDatabaseSeconds * 1000, output, stop });
        if (stop.requested) {
          output.out('worker stopped before it started');
          return 0;
        }
        const worker = module.createWorker({ concurrency: options.concurrency });
        if (options.once) {
          const processed = await worker.runUntilIdle();
          output.out(`worker ${worker.workerId}: ${processed} job(s) processed`);
          return 0;
        }
        output.out(`worker ${worker.workerId} started (concurrency ${options.concurrency ?? module.config.jobs.concurrency})`);
        worker.start();
        await stop.promise;
        output.out(`worker ${worker.workerId} stopping: finishing the jobs in hand`);
        await worker.stop();
        return 0;
      } finally {
        stop.dispose();
      }
    },
  },
  sandbox: {
    summary: "set, list or clear the sandbox registry's faults (errors, delays, hangs, lost answers) in a running system",
    usage: SANDBOX_COMMAND_USAGE,
    async run({ args, output, open }) {
      const parsed = parseSandboxArgs(args);
      if (typeof parsed === 'string') return usageError(output, 'sandbox', parsed);
      const { module } = await open();
      await module.prepare();
      return runSandboxCommand(parsed, module.sandbox(parsed.registrar), output);
    },
  },
  'import-transfers': {
    summary: 'bulk transfer-in from a CSV of domain,auth_code[,client]: every row checked, then the accepted ones ordered (one order and invoice per client); a report of each row',
    usage: IMPORT_TRANSFERS_USAGE,
    async run({ args, output, open }) {
      const parsed = parseImportTransfersArgs(args);
      if (typeof parsed === 'string') return usageError(output, 'import-transfers', parsed);
      const { module } = await open();
      await module.prepare();
      return runImportTransfers(parsed, { bulkImports: module.services.bulkImports, languages: module.services.languages, output });
    },
  },
  'sync-domain-statuses': {
    summary: 'check every pending and active domain at its registrar now (what the 05:00 run does)',
    usage: SYNC_COMMAND_USAGE,
    async run({ args, output, open }) {
      const { module } = await open();
      await module.prepare();
      return runSyncCommand(args, { sync: module.services.sync, output });
    },
  },
};

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  output?: CliOutput;
  /** Where SIGINT/SIGTERM come from (a worker stops on them). */
  signals?: NodeJS.EventEmitter;
  /** The context when neither `--context FILE` nor DT_CONTEXT names one (the reference host's own). */
  defaultHost?: CliHostFactory;
  /** A host's own commands, beside the module's. */
  commands?: Record<string, CliCommand>;
  /** One line for an error the host knows (its own config errors); exit code 2. */
  explain?: (error: unknown) => string | undefined;
}

/**
 * `domain-transfers <command> [--context FILE]`. Returns the exit code: 0 done, 2 usage,
 * configuration or database problems (one line, no stack trace), 1 anything unexpected.
 */
export async function runModuleCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  const commands = { ...(options.commands ?? {}), ...MODULE_COMMANDS };
  const { contextFile, rest, problem } = takeContextOption(argv);
  if (problem) return usageError(output, undefined, problem, commands);
  const [name, ...args] = rest;
  if (name === '--version' || name === '-v' || name === 'version') {
    output.out(`domain-transfers ${manifest.version}`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(usage(commands));
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) return usageError(output, undefined, `unknown command "${name}"`, commands);
  if (args.includes('--help') || args.includes('-h')) {
    output.out(`usage: domain-transfers ${command.usage}\n  ${command.summary}`);
    return 0;
  }

  // Opened once; a later call (a worker waiting for its database) only asks the database again.
  let opened: { host: CliHost; module: DomainTransferModule } | undefined;
  const open = async (): Promise<OpenedCliHost> => {
    if (!opened) {
      const file = contextFile ?? env.DT_CONTEXT;
      const factory = file ? await loadContextFactory(file) : options.defaultHost;
      if (!factory) throw new CliUsageError('--context FILE is required: a module whose default export returns { context, options?, migrations?, close? } (see the README, "Command line")');
      const host = await factory(env);
      if (!host || typeof host !== 'object' || !host.context) throw new CliUsageError('the context file returned no { context }');
      try {
        // Config and wiring first (they name what is wrong), then whether the database answers.
        opened = { host, module: createDomainTransferModule(host.context, host.options) };
      } catch (error) {
        await host.close?.().catch(() => undefined);
        if ((error as { name?: string }).name === 'ConfigError' || (error as { name?: string }).name === 'HostContextError') throw error;
        throw asDatabaseError(error);
      }
    }
    try {
      await opened.host.context.knex.raw('select 1');
    } catch (error) {
      throw asDatabaseError(error);
    }
    return { module: opened.module, knex: opened.host.context.knex, migrations: opened.host.migrations ?? [] };
  };

  try {
    return await command.run({ args, env, output, signals: options.signals ?? process, open });
  } catch (error) {
    const line = error instanceof CliUsageError ? `${name}: ${error.message}` : (options.explain?.(error) ?? describeCliError(error));
    if (line) {
      output.err(line);
      return 2;
    }
    output.err(`error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  } finally {
    if (opened) {
      await opened.module.stop().catch(() => undefined);
      await opened.host.close?.().catch(() => undefined);
    }
  }
}

class CliUsageError extends Error {}

function takeContextOption(argv: string[]): { contextFile?: string; rest: string[]; problem?: string } {
  const rest: string[] = [];
  let contextFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--context' || arg.startsWith('--context=')) {
      const value = arg === '--context' ? argv[++i] : arg.slice('--context='.length);
      if (!value || value.startsWith('--')) return { rest, problem: '--context needs a file name' };
      contextFile = value;
    } else rest.push(arg);
  }
  return { contextFile, rest };
}

async function loadContextFactory(file: string): Promise<CliHostFactory> {
  const url = pathToFileURL(path.resolve(file)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(url);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(path.resolve(file))) throw new CliUsageError(`context file ${file} not found`);
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION') throw new CliUsageError(`context file ${file} is not JavaScript; for TypeScript run node --import tsx with it`);
    throw error;
  }
  const factory = loaded.default ?? loaded.createContext;
  if (typeof factory !== 'function') throw new CliUsageError(`context file ${file} exports no function (default export or createContext)`);
  return factory as CliHostFactory;
}

/** How long a worker waits for a database that does not answer at its start, by default. */
export const WORKER_WAIT_FOR_DATABASE_SECONDS = 60;

function parseWorkerArgs(args: string[]): { concurrency?: number; once: boolean; waitForDatabaseSeconds: number } | string {
  const options: { concurrency?: number; once: boolean; waitForDatabaseSeconds: number } = { once: false, waitForDatabaseSeconds: WORKER_WAIT_FOR_DATABASE_SECONDS };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--once') options.once = true;
    else if (arg === '--wait-for-database') {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 0 || value > 86_400) return '--wait-for-database needs a whole number of seconds from 0 to 86400';
      options.waitForDatabaseSeconds = value;
    } else if (arg === '--concurrency') {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 500) return '--concurrency needs a whole number from 1 to 500';
      options.concurrency = value;
    } else return `unknown option ${arg}`;
  }
  return options;
}

function usageError(output: CliOutput, command: string | undefined, problem: string, commands: Record<string, CliCommand> = MODULE_COMMANDS): number {
  output.err(command ? `${command}: ${problem}` : problem);
  output.err(command ? `usage: domain-transfers ${commands[command]?.usage ?? command}` : usage(commands));
  return 2;
}

export function usage(commands: Record<string, CliCommand> = MODULE_COMMANDS): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  return [
    'usage: domain-transfers <command> [options] [--context FILE]    (--version, --help)',
    '',
    'commands:',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(width + 2)}${c.summary}`),
    '',
    '--context FILE (or DT_CONTEXT): a module whose default export returns { context, options?, migrations?, close? }',
  ].join('\n');
}
