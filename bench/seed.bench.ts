import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { createBenchHost } from './bench-host.ts';
import { trackPeakRss, type Benchmark } from './harness.ts';
import { ORDER_TABLES, rowCount, seedPaidOrders } from './seed-orders.ts';

const ORDERS = 100_000;

/**
 * 100,000 paid transfer orders with their invoices, written the way a bulk transfer writes
 * them: the rate is every row written (host orders, lines, services, invoices, invoice lines,
 * payments; the module's transfer orders and their jobs) per second of the whole seeding.
 * Targets: 20,000 rows/s on SQLite, 10,000 on MariaDB.
 */
const benchmark: Benchmark = {
  name: 'seed',
  description: `${ORDERS.toLocaleString('en')} paid orders with their invoices and jobs, in bulk: rows written per second`,
  async run({ args, log }) {
    const orders = Number(args[0] ?? ORDERS);
    const db = await createMigratedDatabase();
    try {
      const { host, clientId } = await createBenchHost(db.knex, { jobs: { runInHost: false } });
      const names = Array.from({ length: orders }, (_, i) => `seed-${String(i).padStart(7, '0')}.com`);
      const before = await rowCount(db.knex, ORDER_TABLES);
      const peakRss = trackPeakRss();
      const started = process.hrtime.bigint();
      const queued = await seedPaidOrders(db.knex, host, clientId, names);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const rows = (await rowCount(db.knex, ORDER_TABLES)) - before;
      if (queued !== orders) throw new Error(`expected ${orders} queued orders, found ${queued}`);
      log(`${rows} rows for ${orders} orders in ${wall.toFixed(1)} s on ${db.engine}`);
      await host.close();
      const target = db.engine === 'sqlite' ? 20_000 : 10_000;
      return [{ name: 'seed', wall, rate: rows / wall, rssMB: peakRss(), extra: { rows, orders, target_rows_per_s: target, ratio_to_target: (rows / wall / target).toFixed(2), engine: db.engine } }];
    } finally {
      await db.destroy();
    }
  },
};

export default benchmark;
