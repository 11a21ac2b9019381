export interface SandboxOptions {
  /** Days a pending transfer waits before the registry approves it on its own. */
  autoApproveDays: number;
  /** Simulated network delay per adapter call. */
  latencyMs: number;
  /** The delay varies uniformly by up to this much either way. */
  latencyJitterMs: number;
  /** Share of adapter calls (0..1) that fail with a `transient` error. */
  transientErrorRate: number;
  /** Seed the demo domains (one per refusal case) on first use. */
  seedDemoDomains: boolean;
  /** getEppCode mails the code to the registrant instead of returning it. */
  emailEppCodes: boolean;
}

export const SANDBOX_DEFAULT_OPTIONS: Readonly<SandboxOptions> = Object.freeze({
  autoApproveDays: 5,
  latencyMs: 0,
  latencyJitterMs: 0,
  transientErrorRate: 0,
  seedDemoDomains: true,
  emailEppCodes: false,
});

export const sandboxOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    autoApproveDays: { type: 'integer', minimum: 0, default: 5, description: 'Days before a pending transfer is approved automatically.' },
    latencyMs: { type: 'integer', minimum: 0, default: 0, description: 'Simulated delay per call, in milliseconds.' },
    latencyJitterMs: { type: 'integer', minimum: 0, default: 0, description: 'The delay varies by up to this many milliseconds either way.' },
    transientErrorRate: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Share of calls failing with a transient error.' },
    seedDemoDomains: { type: 'boolean', default: true, description: 'Create the demo domains (one per transfer case) on first use.' },
    emailEppCodes: { type: 'boolean', default: false, description: 'getEppCode mails the code to the registrant instead of returning it.' },
  },
} as const;

/** Fills defaults for options that did not pass through config validation (tests, scripts). */
export function resolveSandboxOptions(options: Partial<SandboxOptions> | undefined): SandboxOptions {
  const resolved = { ...SANDBOX_DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined && key in resolved) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}
