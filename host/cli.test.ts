import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../test/support/test-database.ts';
import { main } from './cli.ts';
import { captureOutput } from '../test/support/capture-output.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const baseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  DT_DATA_DIR: path.join(tmp, 'data'),
  DATABASE_URL: `sqlite:${path.join(tmp, `cli-${Math.random().toString(36).slice(2)}.sqlite`)}`,
  LOG_LEVEL: 'silent',
  ...extra,
});

describe('the CLI', () => {
  it('prints usage and exits 2 for an unknown subcommand', async () => {
    const output = captureOutput();
    expect(await main(['bogus'], baseEnv(), output)).toBe(2);
    expect(output.stderr.join('\n')).toContain('unknown command "bogus"');
    expect(output.stderr.join('\n')).toContain('usage: domain-transfers');
  });

  it('prints help with every subcommand and exits 0', async () => {
    const output = captureOutput();
    expect(await main(['--help'], baseEnv(), output)).toBe(0);
    expect(output.stdout.join('\n')).toMatch(/start[\s\S]*migrate/);
  });

  it('applies both migration sets, says so, and rolls everything back', async () => {
    const db = await createEmptyDatabase();
    const env = baseEnv({ DATABASE_URL: db.url });
    const first = captureOutput();
    expect(await main(['migrate'], env, first)).toBe(0);
    expect(first.stdout).toContain('applied 001_host');
    expect(first.stdout.some((line) => line.startsWith('applied 001_'))).toBe(true);
    const again = captureOutput();
    expect(await main(['migrate'], env, again)).toBe(0);
    expect(again.stdout).toEqual(['already up to date']);
    const rollback = captureOutput();
    expect(await main(['migrate', '--rollback-all'], env, rollback)).toBe(0);
    expect(rollback.stdout).toEqual(['rolled back every migration']);
    await db.destroy();
  });

  it('names an unknown config key from the DT_CONFIG file and exits 2 without a stack trace', async () => {
    const file = path.join(tmp, 'bad-config.json');
    fs.writeFileSync(file, JSON.stringify({ sync: { shedule: '0 5 * * *' } }));
    const output = captureOutput();
    expect(await main(['migrate'], baseEnv({ DT_CONFIG: file }), output)).toBe(2);
    expect(output.stderr).toHaveLength(1);
    expect(output.stderr[0]).toMatch(/^config error: .*sync\.shedule/);
    expect(output.stderr[0]).not.toMatch(/\n\s+at /);
  });

  it('reports a DT_CONFIG file that is not JSON as a config error', async () => {
    const file = path.join(tmp, 'not-json.json');
    fs.writeFileSync(file, '{ nope');
    const output = captureOutput();
    expect(await main(['migrate'], baseEnv({ DT_CONFIG: file }), output)).toBe(2);
    expect(output.stderr[0]).toMatch(/^config error: DT_CONFIG file .* is not valid JSON/);
  });

  it('through the bin: a bad config key exits 2 and names the key on stderr', () => {
    const file = path.join(tmp, 'bad-registrar.json');
    fs.writeFileSync(file, JSON.stringify({ tldRouting: { io: 'nowhere' } }));
    const result = spawnSync(process.execPath, ['bin/domain-transfers.mjs', 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv({ DT_CONFIG: file }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('tldRouting.io');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('through the bin: a malformed DATABASE_URL exits 2 with one line', () => {
    const result = spawnSync(process.execPath, ['bin/domain-transfers.mjs', 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv({ DATABASE_URL: 'postgres//nope' }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^database error: DATABASE_URL .*postgres\/\/nope/);
  });

  it('through the bin: an unreachable database exits 2 with one line naming the target, no stack trace', () => {
    const result = spawnSync(process.execPath, ['bin/domain-transfers.mjs', 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv({ DATABASE_URL: 'mysql://root@127.0.0.1:1/nothing' }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['database error: cannot reach MySQL/MariaDB root@127.0.0.1:1/nothing: ECONNREFUSED']);
    expect(result.stdout).not.toMatch(/\s+at /);
  });

  it('prints its version', async () => {
    const output = captureOutput();
    expect(await main(['--version'], baseEnv(), output)).toBe(0);
    expect(output.stdout).toEqual([`domain-transfers ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`]);
  });

  it('reset-demo asks for --yes, then empties every table and migrates afresh', async () => {
    const db = await createEmptyDatabase();
    const env = baseEnv({ DATABASE_URL: db.url });
    try {
      expect(await main(['migrate'], env, captureOutput())).toBe(0);
      await db.knex('host_clients').insert({ name: 'Leftover', email: 'left@example.com', street: '1 Road', city: 'Town', postcode: '1', country_code: 'US', created_at: 1, updated_at: 1 });
      const refused = captureOutput();
      expect(await main(['reset-demo'], env, refused)).toBe(2);
      expect(refused.stderr[0]).toContain('reset-demo --yes');
      expect(await db.knex('host_clients').count({ n: '*' }).first()).toMatchObject({ n: 1 });
      const reset = captureOutput();
      expect(await main(['reset-demo', '--yes'], env, reset)).toBe(0);
      expect(reset.stdout[0]).toContain('the demo starts over');
      expect(await db.knex('host_clients').count({ n: '*' }).first()).toMatchObject({ n: 0 });
      expect(await db.knex.schema.hasTable('dt_events')).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('names a busy port in one line before migrating anything, and exits 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const db = await createEmptyDatabase();
    try {
      const output = captureOutput();
      expect(await main(['start'], baseEnv({ DATABASE_URL: db.url, PORT: String(port) }), output)).toBe(2);
      expect(output.stderr).toEqual([`config error: PORT ${port} is already in use by another program; stop it or set PORT to a free port`]);
      expect(await db.knex.schema.hasTable('dt_knex_migrations')).toBe(false);
    } finally {
      blocker.close();
      await db.destroy();
    }
  });
});
