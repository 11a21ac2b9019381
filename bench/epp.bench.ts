import type { Knex } from 'knex';
import pino from 'pino';
import { eppAdapterFactory } from '../registrar-adapters/epp/index.ts';
import { EppTestRegistry } from '../test/support/epp-registry/epp-registry.server.ts';
import type { Benchmark, BenchFigure } from './harness.ts';

const PASSWORD_ENV = 'EPP_BENCH_PASSWORD';
const DURATION_MS = 3000;

/**
 * domain:info round trips per second against the local test registry over TLS, on one session
 * and on a pool; schema validation is off (it is a test concern, and would dominate).
 */
const benchmark: Benchmark = {
  name: 'epp',
  description: 'EPP adapter: domain:info commands per second over TLS, one session vs a pool',
  async run({ args, log }) {
    const registry = await EppTestRegistry.start({ validate: false });
    registry.state.addDomain({ name: 'bench.test', clID: 'test-registrar', statuses: ['clientTransferProhibited'] });
    const figures: BenchFigure[] = [];
    try {
      const sizes = args.length ? args.map(Number) : [1, 4];
      for (const poolSize of sizes) figures.push(await measure(registry, poolSize, log));
    } finally {
      await registry.close();
    }
    return figures;
  },
};

async function measure(registry: EppTestRegistry, poolSize: number, log: (line: string) => void): Promise<BenchFigure> {
  process.env[PASSWORD_ENV] = 'secret-pw-1';
  const adapter = eppAdapterFactory.create(
    'bench',
    { host: '127.0.0.1', port: registry.port, caFile: registry.certs.files.ca, clientId: 'test-registrar', passwordEnv: PASSWORD_ENV, poolSize, keepaliveSeconds: 0 },
    {
      knex: {} as Knex,
      clock: { now: () => new Date() },
      logger: pino({ level: 'silent' }),
      registrarId: 'test-registrar',
      secrets: { seal: (p) => p, open: (s) => s },
    },
  );
  delete process.env[PASSWORD_ENV];
  try {
    // Log in every session before the clock starts.
    await Promise.all(Array.from({ length: poolSize }, () => adapter.getDomainInfo('bench.test')));
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + DURATION_MS;
    const worker = async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await adapter.getDomainInfo('bench.test');
        latencies.push(performance.now() - t);
      }
    };
    // Twice as many callers as sessions, so a session never idles waiting for the next caller.
    await Promise.all(Array.from({ length: poolSize * 2 }, worker));
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2);
    log(`pool ${poolSize}: ${latencies.length} domain:info in ${wall.toFixed(2)}s`);
    return {
      name: `domain:info pool=${poolSize}`,
      wall,
      rate: latencies.length / wall,
      extra: { commands: latencies.length, p50ms: pct(0.5), p99ms: pct(0.99) },
    };
  } finally {
    await adapter.close?.();
  }
}

export default benchmark;
