import net from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { assertReachable, createKnex, describeTarget, migrateLatest, parseDatabaseUrl, type DatabaseTarget } from '../module/index.ts';
import { seedDemoUsers } from './accounts/demo-users.seed.ts';
import { seedDemoDomains } from './accounts/demo-domains.seed.ts';
import { buildHost, type Host } from './build-host.ts';
import { HostConfigError, loadHostConfig, type HostConfig } from './host-config.ts';
import { HOST_MIGRATIONS } from './host-migrations.ts';
import { createHostLogger } from './host-logger.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface OpenedHost {
  config: HostConfig;
  target: DatabaseTarget;
  knex: Knex;
  host: Host;
  logger: Logger;
  /** Closes the host, then the database. */
  close(): Promise<void>;
}

/**
 * The common first steps of every command, in the order that gives the clearest error:
 * settings, DATABASE_URL, module config (ConfigError), then whether the database answers.
 */
export async function openHost(env: NodeJS.ProcessEnv): Promise<OpenedHost> {
  const config = loadHostConfig(env);
  const target = parseDatabaseUrl(config.databaseUrl);
  const logger = createHostLogger(config.logLevel, env);
  // knex's pool errors go to pino (debug/warn) instead of stack traces on stdout; the
  // operator sees our one-line DatabaseError.
  const knexLog = logger.child({ component: 'knex' });
  const knex = createKnex(target, {
    log: { debug: (m) => knexLog.debug(m), warn: (m) => knexLog.debug(m), error: (m) => knexLog.warn(m) },
  });
  let host: Host;
  try {
    host = buildHost({ knex, config: config.moduleConfig, logger, env: { ...env, SESSION_SECRET: config.sessionSecret } });
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  try {
    await assertReachable(knex, target);
  } catch (error) {
    await host.close().catch(() => undefined);
    await knex.destroy();
    throw error;
  }
  return {
    config,
    target,
    knex,
    host,
    logger,
    async close() {
      try {
        await host.close();
      } finally {
        await knex.destroy();
      }
    },
  };
}

export interface RunningHost {
  url: string;
  server: Server;
  /** Graceful stop: the module, then the HTTP server, then the database. */
  stop(): Promise<void>;
  /** Settles once the host has stopped (after a signal or stop()). */
  stopped: Promise<void>;
}

export async function startHost(env: NodeJS.ProcessEnv = process.env, output: Output = consoleOutput): Promise<RunningHost> {
  // A busy port is found before anything is migrated or seeded.
  await assertPortFree(loadHostConfig(env).port);
  const opened = await openHost(env);
  const { config, host, logger, knex, target } = opened;
  let server: Server;
  try {
    const applied = await migrateLatest(knex, [host.module.migrations, HOST_MIGRATIONS]);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    await seedDemoUsers(host.accounts, config.demoUsers, logger);
    await host.module.start();
    if (config.demoUsers.enabled) await seedDemoDomains(host.module, host.accounts, config.demoUsers.client.email, logger);
    server = await listen(host, config.port);
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  output.out(`Domain Transfers host listening on ${url} (database: ${describeTarget(target)})`);
  if (config.demoUsers.enabled) {
    // Defaults are public anyway; a password the operator chose is never echoed.
    const shown = (password: string | undefined, fallback: string, variable: string) => (password ? `(${variable})` : fallback);
    const { admin, client } = config.demoUsers;
    output.out(`Demo admin:  ${admin.email} / ${shown(env.DEMO_ADMIN_PASSWORD, admin.password, 'DEMO_ADMIN_PASSWORD')}`);
    output.out(`Demo client: ${client.email} / ${shown(env.DEMO_CLIENT_PASSWORD, client.password, 'DEMO_CLIENT_PASSWORD')}`);
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        await host.close();
      } catch (error) {
        logger.error({ err: error }, 'module stop failed');
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await opened.close().catch((error) => logger.error({ err: error }, 'closing the database failed'));
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    output.out(`${signal} received, shutting down`);
    void stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { url, server, stop, stopped };
}

function listen(host: Host, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = host.app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', (error) => reject(portError(error, port)));
  });
}

/** Fails with one line naming the port when another program listens on it. */
async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(portError(error, port)));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

function portError(error: unknown, port: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') return new HostConfigError(`PORT ${port} is already in use by another program; stop it or set PORT to a free port`);
  if (code === 'EACCES') return new HostConfigError(`PORT ${port} needs more privileges than this process has; set PORT to 1024 or above`);
  return error;
}
