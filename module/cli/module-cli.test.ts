import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runModuleCli } from './module-cli.ts';
import { createEmptyDatabase } from '../../test/support/test-database.ts';
import { captureOutput } from '../../test/support/capture-output.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-module-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A platform's context file: its own knex, bus, billing, notifier and auth, no reference host.
 * `DT_TEST_DATABASE_URL` picks the database; `broken` leaves the billing port out.
 */
function writeContextFile(name: string, options: { broken?: boolean } = {}): string {
  const file = path.join(tmp, name);
  const module = (p: string) => JSON.stringify(path.join(ROOT, p));
  fs.writeFileSync(
    file,
    `import pino from 'pino';
import { createEventBus, createKnex, parseDatabaseUrl } from ${module('module/index.ts')};
export default async function createContext(env) {
  const knex = createKnex(parseDatabaseUrl(env.DT_TEST_DATABASE_URL));
  const events = createEventBus();
  const delivered = [];
  events.on('domain.transfer.requested', (event) => delivered.push(event.eventId));
  const noop = async () => undefined;
  const billing = { getClient: async () => null, createTransferOrder: noop, getInvoice: async () => null, cancelOrder: noop, cancelUnpaidRenewalInvoices: async () => 0, setAutoRenew: noop, creditOrderItem: async () => ({ creditId: 'c-1' }) };
  return {
    context: {
      knex, events, ${options.broken ? '' : 'billing,'} auth: () => null, notifier: { notify: noop },
      clock: { now: () => new Date() }, logger: pino({ level: 'silent' }),
      config: { encryptionKey: Buffer.alloc(32, 3).toString('base64'), registrars: { sandbox: { adapter: 'sandbox' } }, tldRouting: { com: 'sandbox' }, jobs: { runInHost: false }, sync: { enabled: false } },
    },
    close: () => knex.destroy(),
  };
}
`,
  );
  return file;
}

describe('the module command line with a host context file', () => {
  it('migrates, runs a worker and a sync against the context, then refuses nothing already done', async () => {
    const db = await createEmptyDatabase();
    const env = { DT_TEST_DATABASE_URL: db.url };
    const file = writeContextFile('context.mjs');
    try {
      const worker = captureOutput();
      expect(await runModuleCli(['worker', '--once', '--context', file], { env, output: worker })).toBe(2);
      expect(worker.stderr[0]).toMatch(/^domain-transfers: \d+ migration\(s\) not applied to this database \(001_core, .*\)\. Apply them before start\(\): `npx domain-transfers migrate --context/);

      const migrate = captureOutput();
      expect(await runModuleCli(['migrate', `--context=${file}`], { env, output: migrate })).toBe(0);
      expect(migrate.stdout).toContain('applied 006_events');
      expect(await db.knex.schema.hasTable('host_orders')).toBe(false);

      const again = captureOutput();
      expect(await runModuleCli(['migrate'], { env: { ...env, DT_CONTEXT: file }, output: again })).toBe(0);
      expect(again.stdout).toEqual(['already up to date']);

      const once = captureOutput();
      expect(await runModuleCli(['worker', '--once', '--context', file], { env, output: once })).toBe(0);
      expect(once.stdout[0]).toMatch(/^worker .*: 0 job\(s\) processed$/);

      const sync = captureOutput();
      expect(await runModuleCli(['sync-domain-statuses', '--context', file], { env, output: sync })).toBe(0);
      expect(sync.stdout.at(-1)).toMatch(/^done \(run #\d+\)$/);
    } finally {
      await db.destroy();
    }
  });

  it('asks for --context when there is no default, and says what a missing or broken file is, in one line, exit 2', async () => {
    const none = captureOutput();
    expect(await runModuleCli(['migrate'], { env: {}, output: none })).toBe(2);
    expect(none.stderr[0]).toMatch(/^migrate: --context FILE is required/);

    const missing = captureOutput();
    expect(await runModuleCli(['migrate', '--context', path.join(tmp, 'nowhere.mjs')], { env: {}, output: missing })).toBe(2);
    expect(missing.stderr).toEqual([`migrate: context file ${path.join(tmp, 'nowhere.mjs')} not found`]);

    const db = await createEmptyDatabase();
    try {
      const broken = captureOutput();
      expect(await runModuleCli(['migrate', '--context', writeContextFile('broken.mjs', { broken: true })], { env: { DT_TEST_DATABASE_URL: db.url }, output: broken })).toBe(2);
      expect(broken.stderr).toEqual(['domain-transfers: the host context is not usable: billing is missing']);
    } finally {
      await db.destroy();
    }
  });

  it('prints its commands, and a usage error names the option', async () => {
    const help = captureOutput();
    expect(await runModuleCli(['--help'], { output: help })).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/migrate[\s\S]*worker[\s\S]*sync-domain-statuses[\s\S]*--context FILE/);
    const bad = captureOutput();
    expect(await runModuleCli(['worker', '--concurrency', 'lots', '--context', 'x.mjs'], { output: bad })).toBe(2);
    expect(bad.stderr[0]).toBe('worker: --concurrency needs a whole number from 1 to 500');
  });

  it('sets, lists and clears sandbox faults; a bad fault names what is wrong, exit 2', async () => {
    const db = await createEmptyDatabase();
    const env = { DT_TEST_DATABASE_URL: db.url };
    const file = writeContextFile('faults.mjs');
    try {
      expect(await runModuleCli(['migrate', '--context', file], { env, output: captureOutput() })).toBe(0);
      const added = captureOutput();
      expect(await runModuleCli(['sandbox', 'fault', 'add', '--operation', 'transfer', '--kind', 'hang', '--domains', '*.com', '--rate', '0.2', '--context', file], { env, output: added })).toBe(0);
      expect(added.stdout).toEqual([expect.stringMatching(/^#\d+ transfer on \*\.com: hang, 20% of calls$/)]);

      const second = captureOutput();
      expect(await runModuleCli(['sandbox', 'fault', 'add', '--kind=error', '--code=rate_limited', '--times=3', '--context', file], { env, output: second })).toBe(0);
      expect(second.stdout[1]).toMatch(/^#\d+ \* on \*: error rate_limited, next 3 call\(s\)$/);

      const bad = captureOutput();
      expect(await runModuleCli(['sandbox', 'fault', 'add', '--kind', 'error', '--code', 'gremlins', '--context', file], { env, output: bad })).toBe(2);
      expect(bad.stderr[0]).toMatch(/^sandbox fault add: unknown registrar error code "gremlins"/);
      const usage = captureOutput();
      expect(await runModuleCli(['sandbox', 'fault', 'add', '--times', 'many', '--context', file], { env, output: usage })).toBe(2);
      expect(usage.stderr[0]).toBe('sandbox: --times must be a number, not "many"');

      expect(await runModuleCli(['sandbox', 'fault', 'clear', '--context', file], { env, output: captureOutput() })).toBe(0);
      const listed = captureOutput();
      expect(await runModuleCli(['sandbox', 'fault', 'list', '--context', file], { env, output: listed })).toBe(0);
      expect(listed.stdout).toEqual(['no faults set']);
      expect(Number((await db.knex('dt_sandbox_faults').where('remaining', '>', 0).count({ n: '*' }).first())!.n)).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
