/**
 * Checks what a host hands the module before anything runs, so a wiring mistake stops the
 * host at start-up with the name of what is wrong instead of a paid invoice that does nothing.
 */

/** Required methods of each port; `?` marks an optional one (checked only when present). */
const PORT_METHODS: Record<string, string[]> = {
  events: ['on', 'emit'],
  billing: ['getClient', 'getClients?', 'createTransferOrder', 'createTransferOrders?', 'cancelOrderItem?', 'getInvoice', 'cancelOrder', 'cancelUnpaidRenewalInvoices', 'setAutoRenew', 'creditOrderItem?'],
  notifier: ['notify', 'notifyMany?'],
  clock: ['now'],
  logger: ['child', 'trace', 'debug', 'info', 'warn', 'error'],
};

/** The host context is incomplete or of the wrong shape. `problems` name each part, e.g. `billing.createTransferOrder is missing`. */
export class HostContextError extends Error {
  readonly code = 'DT_HOST_CONTEXT';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`domain-transfers: the host context is not usable: ${problems.join('; ')}`);
    this.name = 'HostContextError';
    this.problems = problems;
  }
}

/** Throws HostContextError listing every missing or mistyped port and method. */
export function assertHostContext(ctx: unknown): void {
  if (typeof ctx !== 'object' || ctx === null) throw new HostContextError(['the context is missing (pass { knex, events, billing, auth, notifier, clock, logger, config })']);
  const context = ctx as Record<string, unknown>;
  const problems: string[] = [];

  const knex = context.knex as ((() => unknown) & { transaction?: unknown; client?: { config?: { client?: unknown } } }) | undefined;
  if (typeof knex !== 'function' || typeof knex.transaction !== 'function') {
    problems.push('knex is missing (a knex instance)');
  } else {
    const client = knex.client?.config?.client;
    const name = typeof client === 'string' ? client : typeof client === 'function' ? (client as { name?: string }).name : undefined;
    // By name (`better-sqlite3`, `mysql2`) or by client class (`Client_BetterSQLite3`).
    if (!name || !/sqlite|mysql/i.test(name)) {
      problems.push(`knex uses client "${name ?? 'unknown'}"; the module supports better-sqlite3 and mysql2 (MySQL 8, MariaDB 10.6+)`);
    }
  }

  if (typeof context.auth !== 'function') problems.push('auth is missing (a function (req) => principal | null, may be async)');

  for (const [port, methods] of Object.entries(PORT_METHODS)) {
    const value = context[port] as Record<string, unknown> | null | undefined;
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      problems.push(`${port} is missing`);
      continue;
    }
    for (const entry of methods) {
      const optional = entry.endsWith('?');
      const method = optional ? entry.slice(0, -1) : entry;
      const found = value[method];
      if (found === undefined && optional) continue;
      if (typeof found !== 'function') problems.push(`${port}.${method} is ${found === undefined ? 'missing' : 'not a function'}`);
    }
  }
  if (!('config' in context) || context.config === undefined) problems.push('config is missing (the module options, validated against module.manifest.json)');
  if (problems.length) throw new HostContextError(problems);
}
