import { el, xmlDocument, type XmlChild, type XmlElement } from './epp.xml.ts';
import { RegistrarError } from '../registrar-error.ts';
import { NS } from './epp.namespaces.ts';

export const EPP_NS = NS.epp;
export const DOMAIN_NS = NS.domain;

export type TransferOp = 'request' | 'query' | 'approve' | 'reject' | 'cancel';

/** A command ready to send, minus its clTRID, which the session assigns. */
export interface EppCommand {
  /** Short label for logs and metrics, e.g. `domain:info`. */
  name: string;
  build(clTRID: string): string;
}

/**
 * The schemas' limits, checked before a frame is built: a value outside them would make the
 * frame invalid (or, for a code with a line break, be silently changed by the registry's
 * whitespace rules). Refused as `invalid_input`, a final answer about this request.
 */
const LDH_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// domain:pw is a normalizedString: tabs and line breaks would become spaces; other control
// characters cannot be carried by XML at all.
const CODE_FORBIDDEN = /[\u0000-\u001F\u007F\uFFFE\uFFFF]/;

function checkName(domain: string): string {
  if (!LDH_NAME.test(domain)) throw new RegistrarError('invalid_input', `"${domain.slice(0, 300)}" is not a domain name EPP can carry (ASCII letters, digits and hyphens; labels of 1 to 63, 253 in all)`);
  return domain;
}

function checkCode(code: string): string {
  if (code.length === 0 || CODE_FORBIDDEN.test(code)) throw new RegistrarError('invalid_input', 'the auth code is empty or holds control characters or line breaks, which EPP cannot carry');
  return code;
}

function checkPeriod(years: number): number {
  if (!Number.isInteger(years) || years < 1 || years > 99) throw new RegistrarError('invalid_input', `a period of ${years} years is outside EPP's 1 to 99`);
  return years;
}

function envelope(child: XmlElement): string {
  return xmlDocument(el('epp', { xmlns: EPP_NS }, child));
}

/** A command element, with the extensions (RFC 5730 `<extension>`) that go with it. */
function command(verb: XmlElement, clTRID: string, extensions: readonly XmlElement[] = []): string {
  return envelope(el('command', null, verb, extensions.length > 0 && el('extension', null, ...extensions), el('clTRID', null, clTRID)));
}

function domainElement(name: string, ...children: XmlChild[]): XmlElement {
  return el(`domain:${name}`, { 'xmlns:domain': DOMAIN_NS }, ...children);
}

export function helloFrame(): string {
  return envelope(el('hello', null));
}

export function loginCommand(options: { clientId: string; password: string; objURIs: string[]; extURIs: string[] }): EppCommand {
  return {
    name: 'login',
    build: (clTRID) =>
      command(
        el(
          'login',
          null,
          el('clID', null, options.clientId),
          el('pw', null, options.password),
          el('options', null, el('version', null, '1.0'), el('lang', null, 'en')),
          el(
            'svcs',
            null,
            ...options.objURIs.map((uri) => el('objURI', null, uri)),
            options.extURIs.length > 0 && el('svcExtension', null, ...options.extURIs.map((uri) => el('extURI', null, uri))),
          ),
        ),
        clTRID,
      ),
  };
}

export function logoutCommand(): EppCommand {
  return { name: 'logout', build: (clTRID) => command(el('logout', null), clTRID) };
}

export function domainInfoCommand(domain: string): EppCommand {
  checkName(domain);
  return {
    name: 'domain:info',
    build: (clTRID) => command(el('info', null, domainElement('info', el('domain:name', { hosts: 'none' }, domain))), clTRID),
  };
}

/** `<domain:check>` for one name; its extensions ask for more than availability (a fee). */
export function domainCheckCommand(domain: string, extensions: readonly XmlElement[] = []): EppCommand {
  checkName(domain);
  return {
    name: 'domain:check',
    build: (clTRID) => command(el('check', null, domainElement('check', el('domain:name', null, domain))), clTRID, extensions),
  };
}

export function domainTransferCommand(
  op: TransferOp,
  domain: string,
  extra: { authCode?: string; periodYears?: number; extensions?: readonly XmlElement[] } = {},
): EppCommand {
  checkName(domain);
  if (extra.authCode !== undefined) checkCode(extra.authCode);
  if (extra.periodYears !== undefined) checkPeriod(extra.periodYears);
  return {
    name: `domain:transfer:${op}`,
    build: (clTRID) =>
      command(
        el(
          'transfer',
          { op },
          domainElement(
            'transfer',
            el('domain:name', null, domain),
            extra.periodYears !== undefined && el('domain:period', { unit: 'y' }, extra.periodYears),
            extra.authCode !== undefined && el('domain:authInfo', null, el('domain:pw', null, extra.authCode)),
          ),
        ),
        clTRID,
        extra.extensions,
      ),
  };
}

/** Adds or removes exactly one status; other statuses are never sent, so never touched. */
export function domainStatusUpdateCommand(domain: string, change: 'add' | 'rem', status: string): EppCommand {
  checkName(domain);
  return {
    name: `domain:update:${change}`,
    build: (clTRID) =>
      command(
        el(
          'update',
          null,
          domainElement('update', el('domain:name', null, domain), el(`domain:${change}`, null, el('domain:status', { s: status }))),
        ),
        clTRID,
      ),
  };
}

export function domainAuthInfoChangeCommand(domain: string, authCode: string): EppCommand {
  checkName(domain);
  checkCode(authCode);
  return {
    name: 'domain:update:chg-authinfo',
    build: (clTRID) =>
      command(
        el(
          'update',
          null,
          domainElement(
            'update',
            el('domain:name', null, domain),
            el('domain:chg', null, el('domain:authInfo', null, el('domain:pw', null, authCode))),
          ),
        ),
        clTRID,
      ),
  };
}

/** RFC 9154 §4.3: unsets the domain's authorization information. */
export function domainAuthInfoNullCommand(domain: string): EppCommand {
  checkName(domain);
  return {
    name: 'domain:update:null-authinfo',
    build: (clTRID) =>
      command(el('update', null, domainElement('update', el('domain:name', null, domain), el('domain:chg', null, el('domain:authInfo', null, el('domain:null', null))))), clTRID),
  };
}

export function pollRequestCommand(): EppCommand {
  return { name: 'poll:req', build: (clTRID) => command(el('poll', { op: 'req' }), clTRID) };
}

export function pollAckCommand(msgID: string): EppCommand {
  return { name: 'poll:ack', build: (clTRID) => command(el('poll', { op: 'ack', msgID }), clTRID) };
}
