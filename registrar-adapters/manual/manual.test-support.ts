import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { SecretBox } from '../../module/secret-box.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { manualAdapterFactory } from './index.ts';
import type { ManualAdapter } from './manual.adapter.ts';
import { resolveManualOptions, type ManualOptions } from './manual.instructions.ts';

// Test-only wiring shared by the manual adapter's test files.

export const US = 'us-registrar';

export function createManual(knex: Knex, options: Partial<ManualOptions> = {}, clock: FakeClock = new FakeClock()) {
  const capture = createCaptureLogger();
  const secrets = new SecretBox(crypto.randomBytes(32).toString('base64'));
  const adapter = manualAdapterFactory.create('manual-reg', resolveManualOptions(options), {
    knex,
    clock,
    logger: capture.logger,
    registrarId: US,
    secrets,
  }) as ManualAdapter;
  return { adapter, tasks: adapter.tasks, clock, capture, secrets };
}

/** Every row of every manual table, as one string, to search for leaked secrets. */
export async function dumpManualTables(knex: Knex): Promise<string> {
  const tasks = await knex('dt_manual_tasks').select();
  const facts = await knex('dt_manual_domain_facts').select();
  return JSON.stringify([tasks, facts]);
}
