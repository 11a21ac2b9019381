import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSyncArgs, runSyncCommand } from './sync.command.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { createSyncWorld, cronRuns, domainRow, type SyncWorld } from '../../test/sync/sync.test-support.ts';

const db = useMigratedDatabase();
let world: SyncWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

function pipeStream(isTTY: boolean) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk) => (text += String(chunk)));
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream, text: () => text };
}

describe('domain-transfers sync-domain-statuses', () => {
  it('parses --dry-run and --domain, and refuses anything else', () => {
    expect(parseSyncArgs([])).toEqual({ dryRun: false });
    expect(parseSyncArgs(['--dry-run', '--domain', 'Example.COM'])).toEqual({ dryRun: true, domain: 'example.com' });
    expect(parseSyncArgs(['--domain=a.com'])).toEqual({ dryRun: false, domain: 'a.com' });
    expect(parseSyncArgs(['--domain'])).toBe('--domain needs a domain name');
    expect(parseSyncArgs(['--force'])).toBe('unknown option --force');
  });

  it('runs the sync with plain progress lines off a terminal and prints the summary', async () => {
    world = await createSyncWorld(db);
    await world.addPending('cli.com');
    await world.sandbox.registry.approvePendingTransfer('cli.com');
    const io = capture();
    const { stream } = pipeStream(false);

    const code = await runSyncCommand([], { sync: world.sync, output: io.output, progressStream: stream, progressEveryMs: 0 });

    expect(code).toBe(0);
    expect(io.out.some((l) => /^progress: \d+\/1 /.test(l))).toBe(true);
    expect(io.out.join('\n')).toMatch(/checked 1 of 1 .* changed 1 \(completed 1/);
    expect(io.out).toContain('  cli.com → completed (' + new Date(Number((await domainRow(db, 'cli.com')).expiry_date)).toISOString() + ')');
    expect(io.out.at(-1)).toMatch(/^done \(run #\d+\)$/);
    expect((await cronRuns(db)).map((r) => r.trigger)).toEqual(['cli']);
  });

  it('draws a progress bar on a terminal, and --dry-run reports without changing anything', async () => {
    world = await createSyncWorld(db);
    await world.addPending('maybe.com');
    await world.sandbox.registry.approvePendingTransfer('maybe.com');
    const io = capture();
    const tty = pipeStream(true);

    const code = await runSyncCommand(['--dry-run'], { sync: world.sync, output: io.output, progressStream: tty.stream });

    expect(code).toBe(0);
    expect(tty.text()).toContain('sync [');
    expect(io.out[0]).toMatch(/^DRY RUN \(nothing was changed\): checked 1 of 1/);
    expect(io.out).toContain('  would: maybe.com → completed (' + (await world.sandbox.registry.findTransfer('maybe.com', world.sandbox.registry.registrarId))!.expiryAfter!.toISOString() + ')');
    expect((await domainRow(db, 'maybe.com')).status).toBe('pending');
    expect(await cronRuns(db)).toEqual([]);
  });

  it('exits 2 on a bad option and 1 for a domain it does not manage', async () => {
    world = await createSyncWorld(db);
    const io = capture();
    expect(await runSyncCommand(['--nope'], { sync: world.sync, output: io.output })).toBe(2);
    expect(io.err[0]).toBe('sync-domain-statuses: unknown option --nope');
    expect(await runSyncCommand(['--domain', 'nobody.com'], { sync: world.sync, output: io.output, progressStream: pipeStream(false).stream })).toBe(1);
    expect(io.err.at(-1)).toBe('sync-domain-statuses: no domain nobody.com is managed here');
  });
});
