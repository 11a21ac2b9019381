import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { SecretBox } from '../../module/secret-box.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import type { AdapterFactoryContext } from '../types.ts';
import { sandboxAdapterFactory } from './index.ts';
import type { SandboxAdapter } from './sandbox.adapter.ts';
import { resolveSandboxOptions, type SandboxOptions } from './sandbox.options.ts';

// Test-only wiring shared by the sandbox test files (not imported by production code).

export const US = 'us-registrar';

export function sandboxContext(knex: Knex, clock: FakeClock = new FakeClock()) {
  const capture = createCaptureLogger();
  const context: AdapterFactoryContext = {
    knex,
    clock,
    logger: capture.logger,
    registrarId: US,
    secrets: new SecretBox(crypto.randomBytes(32).toString('base64')),
  };
  return { context, clock, capture };
}

/** A sandbox adapter on `knex` with a fake clock and a capturing logger; demo domains seeded. */
export async function createSandbox(knex: Knex, options: Partial<SandboxOptions> = {}, clock: FakeClock = new FakeClock()) {
  const { context, capture } = sandboxContext(knex, clock);
  const adapter = sandboxAdapterFactory.create('sandbox', resolveSandboxOptions(options), context) as SandboxAdapter;
  await adapter.init();
  return { adapter, registry: adapter.registry, clock, capture, context };
}
