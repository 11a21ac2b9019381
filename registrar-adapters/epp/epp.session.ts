import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { RegistrarError } from '../types.ts';
import { helloFrame, loginCommand, logoutCommand, type EppCommand } from './epp.commands.ts';
import { closesSession, transientError } from './epp.errors.ts';
import { encodeFrame, FrameReader } from './epp.framing.ts';
import { parseEppMessage, type EppGreeting, type EppResponse } from './epp.response.ts';
import { maskSecrets } from './epp.xml.ts';

export interface SessionConfig {
  host: string;
  port: number;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** 0 turns the <hello/> keepalive off. */
  keepaliveMs: number;
  clientId: string;
  password: string;
  objURIs: string[];
  extURIs: string[];
  nextClTRID: () => string;
  logger: Logger;
}

interface Waiter {
  resolve: (message: EppResponse | EppGreeting) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One logged-in EPP connection. Commands run one at a time (registries answer in order, and
 * many refuse pipelining); a timeout or an unexpected frame destroys the connection, because
 * a late answer would otherwise be read as the reply to the next command.
 */
export class EppSession {
  private readonly reader = new FrameReader();
  private waiter?: Waiter;
  private chain: Promise<unknown> = Promise.resolve();
  private keepalive?: NodeJS.Timeout;
  private closed = false;
  private busy = false;
  greeting?: EppGreeting;
  /** The extensions announced at login: only these may appear in a command (RFC 5730 §2.9.1.1). */
  extURIs: readonly string[] = [];

  private constructor(
    private readonly socket: tls.TLSSocket,
    private readonly config: SessionConfig,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(transientError(`EPP connection error: ${error.message}`, error)));
    socket.on('close', () => this.fail(transientError('EPP connection closed by the server')));
  }

  static async open(config: SessionConfig): Promise<EppSession> {
    const socket = await connect(config);
    const session = new EppSession(socket, config);
    try {
      const greeting = await session.receive(config.connectTimeoutMs, 'greeting');
      if (greeting.kind !== 'greeting') throw transientError('EPP server did not start with a greeting');
      session.greeting = greeting;
      const missing = config.objURIs.filter((uri) => !greeting.objURIs.includes(uri));
      if (missing.length) config.logger.warn({ svID: greeting.svID, missing }, 'EPP server does not offer every configured objURI');
      // Only the extensions the server offers: announcing one it does not know can fail the login.
      const extURIs = config.extURIs.filter((uri) => greeting.extURIs.includes(uri));
      if (extURIs.length < config.extURIs.length) config.logger.debug({ svID: greeting.svID, notOffered: config.extURIs.filter((uri) => !extURIs.includes(uri)) }, 'EPP server does not offer every configured extURI');
      const login = await session.execute(loginCommand({ clientId: config.clientId, password: config.password, objURIs: config.objURIs, extURIs }));
      if (login.code !== 1000) {
        config.logger.error({ code: login.code, msg: login.msg }, 'EPP login refused');
        throw loginRefusal(login.code, login.msg);
      }
      session.extURIs = extURIs;
    } catch (error) {
      session.destroy();
      throw error;
    }
    session.startKeepalive();
    return session;
  }

  get alive(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Sends one command and returns the server's response, whatever its result code. */
  execute(command: EppCommand): Promise<EppResponse> {
    const run = this.chain.then(() => this.exchange(command));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Logs out politely, then closes; never throws. */
  async close(): Promise<void> {
    this.stopKeepalive();
    if (this.alive) {
      try {
        await this.execute(logoutCommand());
      } catch {
        // The server may already have gone; closing is all that is left to do.
      }
    }
    this.destroy();
  }

  destroy(): void {
    this.stopKeepalive();
    this.closed = true;
    if (!this.socket.destroyed) this.socket.destroy();
    this.fail(transientError('EPP connection closed'));
  }

  private async exchange(command: EppCommand): Promise<EppResponse> {
    if (!this.alive) throw transientError('EPP connection closed');
    const clTRID = this.config.nextClTRID();
    const xml = command.build(clTRID);
    const started = Date.now();
    this.busy = true;
    try {
      this.config.logger.trace({ clTRID, command: command.name, xml: maskSecrets(xml) }, 'EPP frame sent');
      this.socket.write(encodeFrame(xml));
      const response = await this.receive(this.config.commandTimeoutMs, command.name);
      if (response.kind !== 'response') {
        this.destroy();
        throw transientError(`EPP server answered ${command.name} with a greeting`);
      }
      if (response.clTRID !== undefined && response.clTRID !== clTRID) {
        this.destroy();
        throw transientError(`EPP response for ${response.clTRID} arrived while waiting for ${clTRID}`);
      }
      this.config.logger.debug(
        { clTRID, svTRID: response.svTRID, command: command.name, code: response.code, ms: Date.now() - started },
        'EPP command',
      );
      if (closesSession(response.code) || command.name === 'logout') this.destroy();
      return response;
    } finally {
      this.busy = false;
    }
  }

  private receive(timeoutMs: number, what: string): Promise<EppResponse | EppGreeting> {
    if (!this.alive) return Promise.reject(transientError('EPP connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.config.logger.warn({ what, timeoutMs }, 'EPP server did not answer in time; dropping the connection');
        this.waiter = undefined;
        this.destroy();
        reject(transientError(`no EPP response to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  private onData(chunk: Buffer): void {
    let frames: string[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.destroyWith(transientError((error as Error).message, error));
      return;
    }
    for (const xml of frames) {
      this.config.logger.trace({ xml: maskSecrets(xml) }, 'EPP frame received');
      const waiter = this.waiter;
      if (!waiter) {
        this.destroyWith(transientError('unsolicited EPP frame'));
        return;
      }
      this.waiter = undefined;
      clearTimeout(waiter.timer);
      try {
        waiter.resolve(parseEppMessage(xml));
      } catch (error) {
        this.destroyWith(transientError((error as Error).message, error));
        waiter.reject(transientError((error as Error).message, error));
      }
    }
  }

  private destroyWith(error: RegistrarError): void {
    this.fail(error);
    this.destroy();
  }

  private fail(error: RegistrarError): void {
    this.closed = true;
    this.stopKeepalive();
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  private startKeepalive(): void {
    if (this.config.keepaliveMs <= 0) return;
    this.keepalive = setInterval(() => {
      if (this.busy || !this.alive) return;
      const run = this.chain.then(() => this.hello());
      this.chain = run.catch((error: Error) => {
        this.config.logger.warn({ err: error.message }, 'EPP keepalive failed; dropping the connection');
        this.destroy();
      });
    }, this.config.keepaliveMs);
    this.keepalive.unref();
  }

  private stopKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  private async hello(): Promise<void> {
    if (!this.alive) return;
    this.busy = true;
    try {
      this.socket.write(encodeFrame(helloFrame()));
      const answer = await this.receive(this.config.commandTimeoutMs, 'hello');
      if (answer.kind !== 'greeting') throw transientError('EPP server answered <hello/> without a greeting');
      this.config.logger.trace('EPP keepalive answered');
    } finally {
      this.busy = false;
    }
  }
}

function connect(config: SessionConfig): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: config.host,
      port: config.port,
      ca: config.ca,
      cert: config.cert,
      key: config.key,
      rejectUnauthorized: config.rejectUnauthorized,
      // SNI must be a host name; sending an IP literal is a protocol error.
      servername: net.isIP(config.host) ? undefined : config.host,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(transientError(`EPP connection to ${config.host}:${config.port} not established within ${config.connectTimeoutMs} ms`));
    }, config.connectTimeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(transientError(`EPP connection to ${config.host}:${config.port} failed: ${error.message}`, error));
    });
  });
}

/**
 * A refused login. 2502 (too many sessions) and 2400 (server error) pass; anything else
 * (2200 and 2501 authentication errors, a policy refusal) is about our credentials and fails
 * the same way until someone fixes them: retrying the login would only count against the
 * account at the registry.
 */
export function loginRefusal(code: number, msg: string): RegistrarError {
  const passing = code === 2502 || code === 2400;
  return new RegistrarError(passing ? 'transient' : 'authentication_failed', `EPP login refused: ${msg || `result ${code}`}`, { rawCode: code });
}
