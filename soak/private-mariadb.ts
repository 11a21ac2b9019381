import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A MariaDB server of the soak's own: its own data directory, port and socket, started and
 * stopped by PID. The soak restarts this one; the machine's shared server is never touched.
 */
export class PrivateMariaDb {
  readonly dir: string;
  readonly socket: string;
  port = 0;
  private server: ChildProcess | undefined;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-soak-mariadb-'));
    this.socket = path.join(this.dir, 'mysqld.sock');
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/soak`;
  }

  async init(): Promise<void> {
    this.port = await sparePort();
    const installed = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${path.join(this.dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'], { encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`mariadb-install-db failed: ${installed.stderr || installed.stdout}`);
    await this.start();
    const created = spawnSync('mariadb', ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e', 'create database soak character set utf8mb4 collate utf8mb4_bin'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`creating the soak database failed: ${created.stderr}`);
  }

  async start(): Promise<void> {
    this.server = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${this.socket}`,
        `--pid-file=${path.join(this.dir, 'mariadbd.pid')}`,
        '--user=root',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=128M',
        '--max-connections=500',
      ],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'server.log'), 'a')] },
    );
    const deadline = Date.now() + 30_000;
    while (!(await accepts(this.port))) {
      if (this.server.exitCode !== null) throw new Error(`mariadbd exited (${this.server.exitCode}); see ${path.join(this.dir, 'server.log')}`);
      if (Date.now() > deadline) throw new Error('mariadbd did not start within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server by its PID (SIGTERM, a clean shutdown) and waits until it has exited. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }

  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
