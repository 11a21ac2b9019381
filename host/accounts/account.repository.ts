import type { Knex } from 'knex';
import type { Clock, ClientProfile } from '../../module/index.ts';

export interface UserRow {
  id: number;
  email: string;
  password_hash: string;
  role: 'admin' | 'client';
  name: string;
  locale: string | null;
  client_id: number | null;
}

export interface ClientRow {
  id: number;
  name: string;
  organization: string | null;
  email: string;
  phone: string | null;
  street: string;
  city: string;
  state: string | null;
  postcode: string;
  country_code: string;
}

/** Contact details as a client edits them; `street` holds one line per address line. */
export interface ContactInput {
  name: string;
  organization: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  state: string;
  postcode: string;
  countryCode: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountRepository {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.knex<UserRow>('host_users').where({ email: normalizeEmail(email) }).first();
  }

  async findUser(id: number): Promise<UserRow | undefined> {
    return this.knex<UserRow>('host_users').where({ id }).first();
  }

  async recordLogin(userId: number): Promise<void> {
    await this.knex('host_users').where({ id: userId }).update({ last_login_at: this.clock.now().getTime() });
  }

  async setLocale(userId: number, locale: string | null): Promise<void> {
    await this.knex('host_users').where({ id: userId }).update({ locale, updated_at: this.clock.now().getTime() });
  }

  async createAdmin(input: { email: string; passwordHash: string; name: string; locale?: string }): Promise<number> {
    const now = this.clock.now().getTime();
    const [id] = await this.knex('host_users').insert({
      email: normalizeEmail(input.email),
      password_hash: input.passwordHash,
      role: 'admin',
      name: input.name,
      locale: input.locale ?? null,
      created_at: now,
      updated_at: now,
    });
    return Number(id);
  }

  /** A client record and its login in one transaction. */
  async createClient(input: { email: string; passwordHash: string; locale?: string; contact: ContactInput }): Promise<{ userId: number; clientId: number }> {
    const now = this.clock.now().getTime();
    return this.knex.transaction(async (trx) => {
      const [clientId] = await trx('host_clients').insert({ ...contactColumns(input.contact), created_at: now, updated_at: now });
      const [userId] = await trx('host_users').insert({
        email: normalizeEmail(input.email),
        password_hash: input.passwordHash,
        role: 'client',
        name: input.contact.name,
        locale: input.locale ?? null,
        client_id: Number(clientId),
        created_at: now,
        updated_at: now,
      });
      return { userId: Number(userId), clientId: Number(clientId) };
    });
  }

  async getClientRow(clientId: number): Promise<ClientRow | undefined> {
    return this.knex<ClientRow>('host_clients').where({ id: clientId }).first();
  }

  async listClients(): Promise<Array<ClientRow & { login_email: string | null }>> {
    return this.knex('host_clients as c')
      .leftJoin('host_users as u', 'u.client_id', 'c.id')
      .select('c.*', 'u.email as login_email')
      .orderBy('c.id');
  }

  /** Saves contact details; the display name on the login follows the contact name. */
  async updateContact(clientId: number, contact: ContactInput): Promise<void> {
    const now = this.clock.now().getTime();
    await this.knex.transaction(async (trx) => {
      await trx('host_clients').where({ id: clientId }).update({ ...contactColumns(contact), updated_at: now });
      await trx('host_users').where({ client_id: clientId }).update({ name: contact.name, updated_at: now });
    });
  }

  /** Email addresses by client id, one query; unknown ids are left out. */
  async clientEmails(clientIds: number[]): Promise<Map<number, string>> {
    if (!clientIds.length) return new Map();
    const rows = await this.knex('host_clients').whereIn('id', [...new Set(clientIds)]).select('id', 'email');
    return new Map(rows.map((r: { id: number; email: string }) => [Number(r.id), r.email]));
  }

  async adminEmails(): Promise<string[]> {
    const rows = await this.knex('host_users').where({ role: 'admin' }).select('email');
    return rows.map((r: { email: string }) => r.email);
  }

  async clientProfile(clientId: number): Promise<ClientProfile | null> {
    return (await this.clientProfiles([clientId])).get(clientId) ?? null;
  }

  /** One query for many clients: profiles are read by every transfer job. */
  async clientProfiles(clientIds: number[]): Promise<Map<number, ClientProfile>> {
    const rows = await this.knex('host_clients')
      .leftJoin('host_users', 'host_users.client_id', 'host_clients.id')
      .whereIn('host_clients.id', [...new Set(clientIds)])
      .select('host_clients.*', 'host_users.locale as user_locale');
    return new Map(rows.map((row: ClientRow & { user_locale: string | null }) => [Number(row.id), toProfile(row)]));
  }
}

function toProfile(row: ClientRow & { user_locale: string | null }): ClientProfile {
  return {
    id: String(row.id),
    name: row.name,
    email: row.email,
    locale: row.user_locale ?? undefined,
    contact: {
      name: row.name,
      organization: row.organization ?? undefined,
      email: row.email,
      phone: row.phone ?? undefined,
      address: {
        street: streetLines(row.street),
        city: row.city,
        state: row.state ?? undefined,
        postcode: row.postcode,
        countryCode: row.country_code,
      },
    },
  };
}

export function streetLines(street: string): string[] {
  return street
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

export function contactOf(row: ClientRow): ContactInput {
  return {
    name: row.name,
    organization: row.organization ?? '',
    email: row.email,
    phone: row.phone ?? '',
    street: row.street,
    city: row.city,
    state: row.state ?? '',
    postcode: row.postcode,
    countryCode: row.country_code,
  };
}

function contactColumns(contact: ContactInput) {
  return {
    name: contact.name,
    organization: contact.organization || null,
    email: normalizeEmail(contact.email),
    phone: contact.phone || null,
    street: streetLines(contact.street).join('\n'),
    city: contact.city,
    state: contact.state || null,
    postcode: contact.postcode,
    country_code: contact.countryCode.toUpperCase(),
  };
}
