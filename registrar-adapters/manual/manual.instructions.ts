import type { Contact, TransferContacts } from '../types.ts';

export interface ManualOptions {
  /** How staff know the registrar, used in instructions. */
  registrarName: string;
  /** Where staff log in; empty when there is no single URL. */
  controlPanelUrl: string;
}

export const MANUAL_DEFAULT_OPTIONS: Readonly<ManualOptions> = Object.freeze({ registrarName: 'the registrar', controlPanelUrl: '' });

export const manualOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    registrarName: { type: 'string', minLength: 1, default: 'the registrar', description: 'Name of the registrar, as staff know it.' },
    controlPanelUrl: { type: 'string', default: '', description: 'URL of the registrar control panel staff log in to.' },
  },
} as const;

export function resolveManualOptions(options: Partial<ManualOptions> | undefined): ManualOptions {
  return {
    registrarName: options?.registrarName || MANUAL_DEFAULT_OPTIONS.registrarName,
    controlPanelUrl: options?.controlPanelUrl ?? MANUAL_DEFAULT_OPTIONS.controlPanelUrl,
  };
}

function where(options: ManualOptions): string {
  return options.controlPanelUrl
    ? `Log in to ${options.registrarName} at ${options.controlPanelUrl}.`
    : `Log in to the control panel of ${options.registrarName}.`;
}

function describeContact(contact: Contact): string {
  const org = contact.organization ? ` (${contact.organization})` : '';
  const address = [...contact.address.street, `${contact.address.postcode} ${contact.address.city}`, contact.address.state, contact.address.countryCode]
    .filter(Boolean)
    .join(', ');
  return `${contact.name}${org} <${contact.email}>${contact.phone ? `, ${contact.phone}` : ''}, ${address}`;
}

export function transferInstructions(options: ManualOptions, domain: string, contacts: TransferContacts, periodYears: number): string {
  return [
    where(options),
    `Start a transfer-in of ${domain} for ${periodYears} year${periodYears === 1 ? '' : 's'}.`,
    'Reveal the EPP code on this task only when you are ready to enter it; it is deleted when you complete the task.',
    `Registrant: ${describeContact(contacts.registrant)}.`,
    contacts.admin ? `Admin contact: ${describeContact(contacts.admin)}.` : 'Use the registrant as admin, tech and billing contact.',
    'When the registrar confirms the transfer, complete this task as "completed" with the new expiry date.',
    'If the registrar refuses it (wrong code, locked, too recent), complete it as "rejected" with the registrar\'s reason in its own words.',
  ].join('\n');
}

export function lockInstructions(options: ManualOptions, domain: string, locked: boolean): string {
  return [
    where(options),
    locked
      ? `Turn the transfer lock ON for ${domain} (status clientTransferProhibited).`
      : `Turn the transfer lock OFF for ${domain} (remove clientTransferProhibited).`,
    'Change nothing else: leave every other lock or status as it is.',
    'Complete this task as "done" once the registrar shows the new state, or "rejected" with the reason if it cannot be changed.',
  ].join('\n');
}

export function eppCodeInstructions(options: ManualOptions, domain: string, sendTo: string | null): string {
  return [
    where(options),
    `Have ${options.registrarName} send the EPP (auth) code of ${domain} to the registrant${sendTo ? ` at ${sendTo}` : ''}, or generate a new code and email it to the registrant yourself.`,
    'Never paste the code into this task or a ticket.',
    'Complete this task as "done" with the address it went to, or "rejected" with the reason.',
  ].join('\n');
}
