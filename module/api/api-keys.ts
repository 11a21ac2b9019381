import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import { AppError, InputError, NotFoundError } from '../errors.ts';

/** What a key may do; each API operation names the one it needs. */
export const API_SCOPES = ['transfers:write', 'domains:read', 'domains:write', 'epp:read', 'sync:run', 'bulk:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyRow {
  id: number;
  prefix: string;
  name: string;
  scopes: string;
  client_id: string | null;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The caller of an API request, once its key checked out. */
export interface ApiCaller {
  keyId: number;
  prefix: string;
  scopes: ReadonlySet<ApiScope>;
  /** Set when the key is bound to one client: it sees and acts on that client's domains only. */
  clientId?: string;
}

/** 401 for a missing, malformed, unknown or revoked key: which of them is not said. */
export class ApiKeyError extends AppError {
  constructor() {
    super(401, 'api:errors.key_invalid');
    this.name = 'ApiKeyError';
  }
}

const TOKEN = /^dtk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key: a busy key does not write on every call. */
const LAST_USED_EVERY_MS = 60_000;

const hashOf = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');
/** Keys whose check is kept between database changes, at most. */
const MAX_CHECKED = 1000;

/**
 * API keys: made by an admin and shown once (`dtk_<prefix>_<secret>`), stored as a hash of
 * the whole token with the prefix in the clear so keys can be told apart, revoked at once.
 */
export class ApiKeys {
  /** Keys that checked out, by token hash, under the database version they were read at. */
  private readonly checked = new Map<string, { version: string; caller: ApiCaller; until: number }>();

  constructor(private readonly deps: { knex: Knex; clock: Clock }) {}

  async create(input: { name: string; scopes: readonly string[]; clientId?: string; actor: string }): Promise<{ key: ApiKeyRow; token: string }> {
    const name = input.name.trim().slice(0, 100);
    if (!name) throw new InputError('api:errors.name_required', {}, 'name');
    const unknown = input.scopes.find((scope) => !(API_SCOPES as readonly string[]).includes(scope));
    if (unknown !== undefined) throw new InputError('api:errors.scope_unknown', { scope: unknown.slice(0, 32) }, 'scopes');
    if (!input.scopes.length) throw new InputError('api:errors.scope_required', {}, 'scopes');
    const prefix = crypto.randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 8);
    const token = `dtk_${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
    const [id] = await this.deps.knex('dt_api_keys').insert({
      prefix: `dtk_${prefix}`,
      token_hash: hashOf(token),
      name,
      scopes: JSON.stringify([...new Set(input.scopes)]),
      client_id: input.clientId?.trim().slice(0, 64) || null,
      created_by: input.actor.slice(0, 128),
      created_at: this.deps.clock.now().getTime(),
    });
    return { key: await this.byId(Number(id)), token };
  }

  async list(): Promise<ApiKeyRow[]> {
    return this.deps.knex('dt_api_keys').orderBy('id', 'desc').select('id', 'prefix', 'name', 'scopes', 'client_id', 'created_by', 'created_at', 'last_used_at', 'revoked_at');
  }

  async byId(id: number): Promise<ApiKeyRow> {
    const row = await this.deps.knex('dt_api_keys').where({ id }).first('id', 'prefix', 'name', 'scopes', 'client_id', 'created_by', 'created_at', 'last_used_at', 'revoked_at');
    if (!row) throw new NotFoundError();
    return row as ApiKeyRow;
  }

  /** Stops the key at once: its next request gets 401. */
  async revoke(id: number, actor: string): Promise<void> {
    const changed = await this.deps.knex('dt_api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: this.deps.clock.now().getTime(), revoked_by: actor.slice(0, 128) });
    if (!changed) await this.byId(id);
  }

  /**
   * The caller an `Authorization: Bearer` header names, or ApiKeyError. With `version` (the
   * database's change counter, SQLite only) a key that checked out is not read again until
   * something is committed: a revocation is a commit, so it still holds on the next request.
   */
  async authenticate(header: string | undefined, version?: string): Promise<ApiCaller> {
    const token = /^Bearer (\S+)$/i.exec(header?.trim() ?? '')?.[1];
    const parts = token ? TOKEN.exec(token) : null;
    if (!token || !parts) throw new ApiKeyError();
    const hash = hashOf(token);
    const now = this.deps.clock.now().getTime();
    const seen = version === undefined ? undefined : this.checked.get(hash);
    if (seen && seen.version === version && now < seen.until) return seen.caller;
    const row = await this.deps.knex('dt_api_keys').where({ prefix: `dtk_${parts[1]}` }).first('id', 'prefix', 'token_hash', 'scopes', 'client_id', 'last_used_at', 'revoked_at');
    const expected = Buffer.from(row?.token_hash ?? '0'.repeat(64), 'hex');
    // Compared in constant time, and a hash compared even when no key has the prefix.
    if (!crypto.timingSafeEqual(expected, Buffer.from(hash, 'hex')) || !row || row.revoked_at !== null) throw new ApiKeyError();
    let lastUsed = row.last_used_at === null ? undefined : Number(row.last_used_at);
    if (lastUsed === undefined || now - lastUsed >= LAST_USED_EVERY_MS) {
      await this.deps.knex('dt_api_keys').where({ id: row.id }).update({ last_used_at: now });
      lastUsed = now;
    }
    const caller = { keyId: Number(row.id), prefix: row.prefix, scopes: new Set(JSON.parse(row.scopes) as ApiScope[]), clientId: row.client_id ?? undefined };
    if (version !== undefined) {
      this.checked.delete(hash);
      if (this.checked.size >= MAX_CHECKED) this.checked.delete(this.checked.keys().next().value!);
      // Kept until the last use is due to be written again.
      this.checked.set(hash, { version, caller, until: lastUsed + LAST_USED_EVERY_MS });
    }
    return caller;
  }
}
