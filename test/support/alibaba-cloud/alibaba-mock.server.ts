import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlibabaMockState, ApiError } from './alibaba-mock.state.ts';
import { checkV3Signature } from './v3-signature.ts';

export const MOCK_ACCESS_KEY = { id: 'LTAI5tMockKeyId0001', secret: 'mockSecret-3f9c2a7d0b1e4c6a8f5d' };
const VERSION = '2018-01-29';
/** A request dated further from now than this is refused, as the real API refuses a stale signature. */
const MAX_SKEW_MS = 15 * 60_000;

/** Faults for the next requests: an answer instead of the real one, or none at all. */
type Fault = { kind: 'throttle' } | { kind: 'unavailable' } | { kind: 'lose'; action?: string };

export interface RecordedCall {
  action: string;
  params: Record<string, string>;
}

/**
 * A local stand-in for the Domain API (domain.aliyuncs.com, RPC style, V3 signatures) over
 * plain HTTP. Every request's signature is computed again from what arrived; the action, its
 * version and its parameters are checked; answers follow the documented JSON shapes.
 */
export class AlibabaMockApi {
  readonly state: AlibabaMockState;
  readonly calls: RecordedCall[] = [];
  /** Requests refused for their signature, with why. */
  readonly refused: Array<{ code: string; message: string }> = [];
  private readonly faults: Fault[] = [];
  private readonly nonces = new Set<string>();

  private constructor(
    private readonly server: http.Server,
    now: () => number,
  ) {
    this.state = new AlibabaMockState(now);
  }

  static async start(options: { now?: () => number } = {}): Promise<AlibabaMockApi> {
    const server = http.createServer();
    const api = new AlibabaMockApi(server, options.now ?? Date.now);
    server.on('request', (req, res) => void api.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get endpoint(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `count` requests are refused with Throttling (400) or ServiceUnavailable (503). */
  fail(kind: 'throttle' | 'unavailable', count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind });
  }

  /** The next request (of `action`, if given) is carried out, then its connection dropped unanswered. */
  loseAnswer(action?: string): void {
    this.faults.push({ kind: 'lose', action });
  }

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://mock');
    const requestId = crypto.randomUUID().toUpperCase();
    const answer = (status: number, payload: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify({ RequestId: requestId, ...payload }));
    };
    const refuse = (status: number, code: string, message: string) => {
      this.refused.push({ code, message });
      answer(status, { Code: code, Message: message, HostId: 'domain.aliyuncs.com' });
    };

    const signature = checkV3Signature({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body }, (id) => (id === MOCK_ACCESS_KEY.id ? MOCK_ACCESS_KEY.secret : undefined));
    if (!signature.ok) return refuse(signature.code === 'InvalidAccessKeyId.NotFound' ? 404 : 400, signature.code, signature.message);
    const date = Date.parse(String(req.headers['x-acs-date'] ?? ''));
    if (!Number.isFinite(date) || Math.abs(date - Date.now()) > MAX_SKEW_MS) return refuse(400, 'InvalidTimeStamp.Expired', 'The x-acs-date header is missing or out of range.');
    const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
    if (!nonce || this.nonces.has(nonce)) return refuse(400, 'SignatureNonceUsed', 'The request signature nonce has been used.');
    this.nonces.add(nonce);
    if (req.headers['x-acs-version'] !== VERSION) return refuse(400, 'InvalidVersion', `Specified parameter Version is not valid: ${req.headers['x-acs-version']}`);
    const action = String(req.headers['x-acs-action'] ?? '');
    this.calls.push({ action, params: Object.fromEntries(url.searchParams) });

    const fault = this.faults.findIndex((f) => f.kind !== 'lose' || !f.action || f.action === action);
    const taken = fault === -1 ? undefined : this.faults.splice(fault, 1)[0];
    if (taken?.kind === 'throttle') return answer(400, { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' });
    if (taken?.kind === 'unavailable') return answer(503, { Code: 'ServiceUnavailable', Message: 'The request has failed due to a temporary failure of the server.' });
    try {
      const result = this.state.handle(action, url.searchParams);
      if (taken?.kind === 'lose') {
        req.socket.destroy();
        return;
      }
      answer(200, result);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (taken?.kind === 'lose') {
        req.socket.destroy();
        return;
      }
      answer(error.status, { Code: error.code, Message: error.message });
    }
  }
}
