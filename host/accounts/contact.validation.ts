import type { ContactInput } from './account.repository.ts';
import { streetLines } from './account.repository.ts';

/** Field → message key (namespace `host`). */
export type ContactErrors = Partial<Record<keyof ContactInput, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The EPP contact phone format (RFC 5733): +CC.NUMBER, which registrars insist on.
const PHONE = /^\+\d{1,3}\.\d{4,14}$/;
const COUNTRY = /^[A-Z]{2}$/;

export function contactFromForm(body: Record<string, unknown>): ContactInput {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : '');
  return {
    name: text('name'),
    organization: text('organization'),
    email: text('email'),
    phone: text('phone').replace(/[\s-]/g, ''),
    street: text('street'),
    city: text('city'),
    state: text('state'),
    postcode: text('postcode'),
    countryCode: text('countryCode').toUpperCase(),
  };
}

/** Checks what a registrar will check, so a transfer does not fail later on a bad contact. */
export function validateContact(contact: ContactInput): ContactErrors {
  const errors: ContactErrors = {};
  if (!contact.name) errors.name = 'profile.errors.required';
  else if (contact.name.length > 191) errors.name = 'profile.errors.too_long';
  if (contact.organization.length > 191) errors.organization = 'profile.errors.too_long';
  if (!contact.email) errors.email = 'profile.errors.required';
  else if (!EMAIL.test(contact.email) || contact.email.length > 191) errors.email = 'profile.errors.email';
  if (contact.phone && !PHONE.test(contact.phone)) errors.phone = 'profile.errors.phone';
  const lines = streetLines(contact.street);
  if (!lines.length) errors.street = 'profile.errors.required';
  else if (lines.length > 3 || lines.some((line) => line.length > 255)) errors.street = 'profile.errors.street';
  if (!contact.city) errors.city = 'profile.errors.required';
  else if (contact.city.length > 128) errors.city = 'profile.errors.too_long';
  if (contact.state.length > 128) errors.state = 'profile.errors.too_long';
  if (!contact.postcode) errors.postcode = 'profile.errors.required';
  else if (contact.postcode.length > 16) errors.postcode = 'profile.errors.too_long';
  if (!COUNTRY.test(contact.countryCode)) errors.countryCode = 'profile.errors.country';
  return errors;
}
