import { XMLParser } from 'fast-xml-parser';
import { qualify } from './epp.namespaces.ts';

/**
 * Response parsing. Registries pick their own namespace prefixes (`domain:`, `dom:`, none), so
 * elements are named by their namespace (epp.namespaces.ts): readers ask for `domain:infData`
 * and never mistake a contact's or a host's for it.
 */

// Elements that may repeat (by local name); forcing arrays spares every reader a one-or-many check.
const ARRAY_TAGS = new Set(['result', 'status', 'objURI', 'extURI', 'value', 'extValue', 'contact', 'hostObj', 'host', 'lang', 'version', 'rgpStatus', 'addr', 'postalInfo']);

const parser = new XMLParser({
  removeNSPrefix: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAY_TAGS.has(name.slice(name.indexOf(':') + 1)),
});

export type XmlObject = Record<string, unknown>;

export interface EppResult {
  code: number;
  msg: string;
  /** Text of `<value>`/`<extValue>` parts, kept so error mapping can look for status names. */
  details: string[];
}

export interface EppResponse {
  kind: 'response';
  code: number;
  msg: string;
  results: EppResult[];
  msgQ?: { count: number; id: string; qDate?: Date; msg?: string };
  resData?: XmlObject;
  /** Response extensions (RGP and the like), named by namespace like resData. */
  extension?: XmlObject;
  clTRID?: string;
  svTRID?: string;
}

export interface EppGreeting {
  kind: 'greeting';
  svID: string;
  objURIs: string[];
  extURIs: string[];
}

export class EppProtocolError extends Error {
  override readonly name = 'EppProtocolError';
}

export function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (typeof node === 'object' && '#text' in node) return String((node as XmlObject)['#text']);
  return '';
}

export function attr(node: unknown, name: string): string | undefined {
  if (node && typeof node === 'object') {
    const value = (node as XmlObject)[`@_${name}`];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}

export function child(node: unknown, name: string): XmlObject | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlObject)[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value[0] as XmlObject;
  return (typeof value === 'object' ? value : { '#text': value }) as XmlObject;
}

export function children(node: unknown, name: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as XmlObject)[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Collects every text and attribute value below a node, for loose keyword matching. */
function flatten(node: unknown, out: string[] = []): string[] {
  if (node === null || node === undefined) return out;
  if (typeof node !== 'object') {
    out.push(String(node));
    return out;
  }
  for (const value of Object.values(node as XmlObject)) flatten(value, out);
  return out;
}

export function parseDate(value: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function parseEppMessage(xml: string): EppResponse | EppGreeting {
  // EPP never uses a DTD; refusing one closes off entity-expansion tricks outright.
  if (/<!DOCTYPE/i.test(xml)) throw new EppProtocolError('EPP message with a DOCTYPE refused');
  let doc: XmlObject;
  try {
    doc = qualify(parser.parse(xml) as XmlObject);
  } catch (error) {
    throw new EppProtocolError(`unparseable EPP message: ${(error as Error).message}`);
  }
  const epp = child(doc, 'epp');
  if (!epp) throw new EppProtocolError('not an EPP message (no <epp> element in the EPP namespace)');
  const greeting = child(epp, 'greeting');
  if (greeting) {
    const menu = child(greeting, 'svcMenu');
    return {
      kind: 'greeting',
      svID: text(child(greeting, 'svID')),
      objURIs: children(menu, 'objURI').map(text),
      extURIs: children(child(menu, 'svcExtension'), 'extURI').map(text),
    };
  }
  const response = child(epp, 'response');
  if (!response) throw new EppProtocolError('EPP message is neither a greeting nor a response');
  const results = children(response, 'result').map((result): EppResult => {
    const code = Number(attr(result, 'code'));
    return {
      code,
      msg: text(child(result, 'msg')),
      details: [...children(result, 'value'), ...children(result, 'extValue')].flatMap((v) => flatten(v)),
    };
  });
  const first = results[0];
  if (!first || !Number.isInteger(first.code)) throw new EppProtocolError('EPP response without a result code');
  const msgQNode = child(response, 'msgQ');
  const trID = child(response, 'trID');
  return {
    kind: 'response',
    code: first.code,
    msg: first.msg,
    results,
    msgQ: msgQNode
      ? {
          count: Number(attr(msgQNode, 'count') ?? 0),
          id: attr(msgQNode, 'id') ?? '',
          qDate: parseDate(text(child(msgQNode, 'qDate'))),
          msg: text(child(msgQNode, 'msg')) || undefined,
        }
      : undefined,
    resData: child(response, 'resData'),
    extension: child(response, 'extension'),
    clTRID: text(child(trID, 'clTRID')) || undefined,
    svTRID: text(child(trID, 'svTRID')) || undefined,
  };
}

export interface DomainInfoData {
  name: string;
  roid: string;
  statuses: string[];
  registrant?: string;
  clID: string;
  crDate?: Date;
  upDate?: Date;
  exDate?: Date;
  trDate?: Date;
  authInfo?: string;
  /** RFC 3915 rgpStatus values from the response's extension; empty without the RGP extension. */
  rgpStatuses: string[];
}

const statusValues = (node: unknown, name: string) =>
  children(node, name)
    .map((s) => attr(s, 's') ?? '')
    .filter(Boolean);

/** A domain's `<domain:infData>`; undefined for anything else (a contact's or a host's info). */
export function readInfData(resData: XmlObject | undefined, extension?: XmlObject): DomainInfoData | undefined {
  const inf = child(resData, 'domain:infData');
  if (!inf) return undefined;
  const d = (name: string) => text(child(inf, `domain:${name}`));
  return {
    name: d('name').toLowerCase(),
    roid: d('roid'),
    statuses: statusValues(inf, 'domain:status'),
    rgpStatuses: readRgpStatuses(extension),
    registrant: d('registrant') || undefined,
    clID: d('clID'),
    crDate: parseDate(d('crDate')),
    upDate: parseDate(d('upDate')),
    exDate: parseDate(d('exDate')),
    trDate: parseDate(d('trDate')),
    authInfo: text(child(child(inf, 'domain:authInfo'), 'domain:pw')) || undefined,
  };
}

/** RFC 3915: the grace and hold periods a domain is in (`redemptionPeriod`, `pendingRestore`…). */
export function readRgpStatuses(extension: XmlObject | undefined): string[] {
  return statusValues(child(extension, 'rgp:infData'), 'rgp:rgpStatus');
}

export interface ContactInfoData {
  id: string;
  roid: string;
  statuses: string[];
  email: string;
  clID: string;
}

/** A contact's `<contact:infData>`; undefined for anything else. */
export function readContactInfData(resData: XmlObject | undefined): ContactInfoData | undefined {
  const inf = child(resData, 'contact:infData');
  if (!inf) return undefined;
  const c = (name: string) => text(child(inf, `contact:${name}`));
  return { id: c('id'), roid: c('roid'), statuses: statusValues(inf, 'contact:status'), email: c('email'), clID: c('clID') };
}

export interface HostInfoData {
  name: string;
  roid: string;
  statuses: string[];
  addresses: Array<{ ip: 'v4' | 'v6'; address: string }>;
  clID: string;
}

/** A host's `<host:infData>`; undefined for anything else. */
export function readHostInfData(resData: XmlObject | undefined): HostInfoData | undefined {
  const inf = child(resData, 'host:infData');
  if (!inf) return undefined;
  const h = (name: string) => text(child(inf, `host:${name}`));
  return {
    name: h('name').toLowerCase(),
    roid: h('roid'),
    statuses: statusValues(inf, 'host:status'),
    addresses: children(inf, 'host:addr').map((a) => ({ ip: attr(a, 'ip') === 'v6' ? ('v6' as const) : ('v4' as const), address: text(a) })),
    clID: h('clID'),
  };
}

export interface TransferData {
  name: string;
  trStatus: string;
  reID: string;
  reDate?: Date;
  acID: string;
  acDate?: Date;
  exDate?: Date;
}

/** A domain's `<domain:trnData>` only (a contact's is in the contact namespace). */
export function readTrnData(resData: XmlObject | undefined): TransferData | undefined {
  const trn = child(resData, 'domain:trnData');
  if (!trn) return undefined;
  const d = (name: string) => text(child(trn, `domain:${name}`));
  return {
    name: d('name').toLowerCase(),
    trStatus: d('trStatus'),
    reID: d('reID'),
    reDate: parseDate(d('reDate')),
    acID: d('acID'),
    acDate: parseDate(d('acDate')),
    exDate: parseDate(d('exDate')),
  };
}
