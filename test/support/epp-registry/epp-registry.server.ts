import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { XMLParser } from 'fast-xml-parser';
import { encodeFrame, FrameReader } from '../../../registrar-adapters/epp/epp.framing.ts';
import { registryCertificates, type RegistryCertificates } from './epp-registry.certs.ts';
import { DOMAIN_NS, FEE_NS, RGP_NS, ResponseWriter } from './epp-registry.responses.ts';
import { RegistryState, type Reply } from './epp-registry.state.ts';
import { validateFrames, type SchemaFailure } from './epp-registry.validator.ts';

/** Command kinds faults can be aimed at. */
export type CommandKind =
  | 'login'
  | 'logout'
  | 'hello'
  | 'check'
  | 'info'
  | 'update'
  | 'poll:req'
  | 'poll:ack'
  | 'transfer:request'
  | 'transfer:query'
  | 'transfer:approve'
  | 'transfer:reject'
  | 'transfer:cancel'
  | 'other';

type Fault =
  | { type: 'code'; code: number; msg?: string; extStatus?: string }
  | { type: 'drop' }
  | { type: 'lose' }
  | { type: 'delay'; ms: number };

export interface EppRegistryOptions {
  clock?: { now(): Date };
  transferWindowMs?: number;
  /** clID → password of the registrars allowed to log in. */
  clients?: Record<string, string>;
  requireClientCert?: boolean;
  /** Validate every client frame against the IETF schemas (default true; benchmarks turn it off). */
  validate?: boolean;
  /** Prefix the registry uses for the domain namespace in responses ('' = default namespace). */
  domainPrefix?: string;
  /** Extensions the greeting offers (default secDNS 1.1, RGP and fee 1.0). */
  extURIs?: string[];
}

const DEFAULT_EXT_URIS = ['urn:ietf:params:xml:ns:secDNS-1.1', RGP_NS, FEE_NS];

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'status' || name === 'objURI',
});

type Node = Record<string, any>;
type Session = { clID?: string; extURIs?: string[] };

/**
 * An EPP registry on node:tls for tests: a greeting, login, the domain commands the adapter
 * uses, a poll queue, and faults on demand (any result code, a dropped socket, a response
 * that never comes). Every frame a client sends is kept for schema validation.
 */
export class EppTestRegistry {
  readonly state: RegistryState;
  readonly stats = { connections: 0, logins: 0, logouts: 0, hellos: 0, commands: 0 };
  /** Client frames in arrival order; `schemaFailures()` validates the ones not yet checked. */
  readonly frames: Array<{ label: string; xml: string }> = [];
  port = 0;
  private validatedUpTo = 0;
  private readonly failures: SchemaFailure[] = [];
  private readonly faults = new Map<CommandKind, Fault[]>();
  private readonly sockets = new Set<tls.TLSSocket>();
  private readonly clients: Record<string, string>;
  private readonly writer: ResponseWriter;
  private server?: tls.Server;
  private svTRID = 0;

  private constructor(
    readonly certs: RegistryCertificates,
    private readonly options: EppRegistryOptions,
  ) {
    this.state = new RegistryState(options.clock ?? { now: () => new Date() }, options.transferWindowMs);
    this.clients = options.clients ?? { 'test-registrar': 'secret-pw-1', 'other-registrar': 'other-pw-1' };
    this.writer = new ResponseWriter(options.domainPrefix ?? 'domain');
  }

  static async start(options: EppRegistryOptions = {}): Promise<EppTestRegistry> {
    const registry = new EppTestRegistry(await registryCertificates(), options);
    await registry.listen();
    return registry;
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  /** The next command of this kind is answered with `code` (2500–2502 also close the socket). */
  failNext(kind: CommandKind, code: number, msg?: string, extStatus?: string): void {
    this.pushFault(kind, { type: 'code', code, msg, extStatus });
  }
  /** The next command of this kind is neither processed nor answered: the socket is destroyed. */
  dropNext(kind: CommandKind): void {
    this.pushFault(kind, { type: 'drop' });
  }
  /** The next command of this kind is processed but never answered. */
  loseNext(kind: CommandKind): void {
    this.pushFault(kind, { type: 'lose' });
  }
  delayNext(kind: CommandKind, ms: number): void {
    this.pushFault(kind, { type: 'delay', ms });
  }

  /** Frames sent so far that break the IETF schemas. Tests assert this is empty. */
  async schemaFailures(): Promise<SchemaFailure[]> {
    const pending = this.frames.slice(this.validatedUpTo);
    this.validatedUpTo = this.frames.length;
    this.failures.push(...(await validateFrames(pending)));
    return [...this.failures];
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pushFault(kind: CommandKind, fault: Fault): void {
    const list = this.faults.get(kind) ?? [];
    list.push(fault);
    this.faults.set(kind, list);
  }

  private listen(): Promise<void> {
    const server = tls.createServer({
      cert: this.certs.cert,
      key: this.certs.key,
      requestCert: this.options.requireClientCert ?? false,
      rejectUnauthorized: this.options.requireClientCert ?? false,
      ca: [this.certs.cert],
    });
    server.on('secureConnection', (socket) => this.onConnection(socket));
    server.on('tlsClientError', () => undefined);
    this.server = server;
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private onConnection(socket: tls.TLSSocket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new FrameReader();
    const session: Session = {};
    // One frame at a time, so a delayed reply cannot be overtaken by the next.
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: string[];
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const xml of frames) chain = chain.then(() => this.onFrame(socket, session, xml));
    });
    socket.write(encodeFrame(this.writer.greeting(this.state.clock.now(), this.options.extURIs ?? DEFAULT_EXT_URIS)));
  }

  private async onFrame(socket: tls.TLSSocket, session: Session, xml: string): Promise<void> {
    let doc: Node;
    try {
      doc = parser.parse(xml) as Node;
    } catch {
      this.record('unparseable', xml);
      return this.send(socket, { code: 2001 }, undefined);
    }
    const epp: Node = doc.epp ?? {};
    if ('hello' in epp) {
      this.record('hello', xml);
      this.stats.hellos++;
      socket.write(encodeFrame(this.writer.greeting(this.state.clock.now(), this.options.extURIs ?? DEFAULT_EXT_URIS)));
      return;
    }
    const command: Node = epp.command ?? {};
    const clTRID = typeof command.clTRID === 'string' ? command.clTRID : undefined;
    this.record(clTRID ?? `frame-${this.frames.length}`, xml);
    this.stats.commands++;
    const kind = commandKind(command);
    const fault = this.faults.get(kind)?.shift();
    if (fault?.type === 'drop') {
      socket.destroy();
      return;
    }
    if (fault?.type === 'code') {
      const reply: Reply = { code: fault.code, msg: fault.msg };
      if (fault.extStatus) reply.extValue = { status: fault.extStatus, reason: 'status prohibits operation' };
      this.send(socket, reply, clTRID);
      if (fault.code >= 2500 && fault.code <= 2502) socket.end();
      return;
    }
    this.state.settle();
    const reply = this.execute(kind, command, session);
    if (fault?.type === 'lose') return;
    if (fault?.type === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    this.send(socket, reply, clTRID);
    if (kind === 'logout' || (reply.code >= 2500 && reply.code <= 2502)) socket.end();
  }

  private execute(kind: CommandKind, command: Node, session: Session): Reply {
    if (kind === 'login') return this.login(command.login, session);
    if (!session.clID) return { code: 2002, msg: 'Command use error: not logged in' };
    const who = session.clID;
    const name = (verb: Node | undefined) => String(verb?.name?.['#text'] ?? verb?.name ?? '').toLowerCase();
    switch (kind) {
      case 'logout':
        this.stats.logouts++;
        return { code: 1500 };
      case 'check': {
        const names = ([] as Node[]).concat(command.check?.check?.name ?? []).map((n) => String(n?.['#text'] ?? n).toLowerCase());
        const feeCheck: Node | undefined = session.extURIs?.includes(FEE_NS) ? command.extension?.check : undefined;
        const transfer = ([] as Node[]).concat(feeCheck?.command ?? []).find((c) => c['@_name'] === 'transfer');
        const period = transfer?.period === undefined ? 1 : Number(transfer.period['#text'] ?? transfer.period);
        return this.state.check(names, transfer !== undefined, period);
      }
      case 'info': {
        const reply = this.state.info(who, name(command.info?.info));
        // RFC 3915: the RGP extension only to a session that announced it at login.
        if (reply.infData && !session.extURIs?.includes(RGP_NS)) reply.infData = { ...reply.infData, rgpStatuses: undefined };
        return reply;
      }
      case 'update': {
        const u: Node = command.update?.update ?? {};
        const statuses = (part: Node | undefined) => ((part?.status ?? []) as Node[]).map((s) => String(s['@_s']));
        const pw = u.chg?.authInfo?.pw;
        return this.state.update(who, name(u), {
          add: statuses(u.add),
          rem: statuses(u.rem),
          authInfo: u.chg?.authInfo && 'null' in u.chg.authInfo ? null : pw === undefined ? undefined : String(pw?.['#text'] ?? pw),
        });
      }
      case 'poll:req':
        return this.state.pollRequest(who);
      case 'poll:ack':
        return this.state.pollAck(who, String(command.poll['@_msgID'] ?? ''));
      case 'transfer:request': {
        const t: Node = command.transfer.transfer ?? {};
        const pw = t.authInfo?.pw;
        const period = t.period === undefined ? undefined : Number(t.period['#text'] ?? t.period);
        const ack: Node | undefined = command.extension?.transfer;
        if (ack && !session.extURIs?.includes(FEE_NS)) return { code: 2103, msg: 'Unimplemented extension: fee-1.0 was not announced at login' };
        const fees = ([] as unknown[]).concat(ack?.fee ?? []).map((f) => Number((f as Node)?.['#text'] ?? f));
        const fee = ack ? { currency: ack.currency === undefined ? undefined : String(ack.currency), amount: String(fees.reduce((a, b) => a + b, 0)) } : undefined;
        return this.state.requestTransfer(who, name(t), pw === undefined ? undefined : String(pw?.['#text'] ?? pw), period, fee);
      }
      case 'transfer:query':
        return this.state.queryTransfer(who, name(command.transfer.transfer));
      case 'transfer:approve':
      case 'transfer:reject':
      case 'transfer:cancel':
        return this.state.actOnTransfer(who, name(command.transfer.transfer), kind.slice('transfer:'.length) as 'approve');
      default:
        return { code: 2001, msg: 'Command syntax error: unsupported command' };
    }
  }

  private login(login: Node, session: Session): Reply {
    if (session.clID) return { code: 2002, msg: 'Command use error: already logged in' };
    const clID = String(login?.clID ?? '');
    if (this.clients[clID] === undefined || this.clients[clID] !== String(login?.pw ?? '')) return { code: 2200 };
    const objURIs = ((login?.svcs?.objURI ?? []) as unknown[]).map(String);
    if (!objURIs.includes(DOMAIN_NS)) return { code: 2307, msg: 'Unimplemented object service' };
    const extURIs = ([] as unknown[]).concat(login?.svcs?.svcExtension?.extURI ?? []).map(String);
    const offered = this.options.extURIs ?? DEFAULT_EXT_URIS;
    if (extURIs.some((uri) => !offered.includes(uri))) return { code: 2307, msg: 'Unimplemented extension' };
    session.clID = clID;
    session.extURIs = extURIs;
    this.stats.logins++;
    return { code: 1000 };
  }

  private record(label: string, xml: string): void {
    if (this.options.validate !== false) this.frames.push({ label, xml });
  }

  private send(socket: tls.TLSSocket, reply: Reply, clTRID: string | undefined): void {
    if (socket.destroyed) return;
    socket.write(encodeFrame(this.writer.response(reply, { clTRID, svTRID: `TEST-${++this.svTRID}` })));
  }
}

function commandKind(command: Node): CommandKind {
  for (const kind of ['login', 'logout', 'check', 'info', 'update'] as const) if (kind in command) return kind;
  if ('poll' in command) return command.poll['@_op'] === 'ack' ? 'poll:ack' : 'poll:req';
  if ('transfer' in command) return `transfer:${command.transfer['@_op']}` as CommandKind;
  return 'other';
}
