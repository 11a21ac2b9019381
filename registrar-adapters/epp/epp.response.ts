import { XMLParser } from 'fast-xml-parser';

/**
 * Response parsing. Registries pick their own namespace prefixes (`domain:`, `dom:`, none),
 * so prefixes are stripped and elements are matched on local names only.
 */

// Elements that may repeat; forcing arrays spares every reader a one-or-many check.
const ARRAY_TAGS = new Set(['result', 'status', 'objURI', 'extURI', 'value', 'extValue', 'contact', 'hostObj', 'host', 'lang', 'version']);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ARRAY_TAGS.has(name),
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
    doc = parser.parse(xml) as XmlObject;
  } catch (error) {
    throw new EppProtocolError(`unparseable EPP message: ${(error as Error).message}`);
  }
  const epp = child(doc, 'epp');
  if (!epp) throw new EppProtocolError('not an EPP message');
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
}

export function readInfData(resData: XmlObject | undefined): DomainInfoData | undefined {
  const inf = child(resData, 'infData');
  if (!inf) return undefined;
  return {
    name: text(child(inf, 'name')).toLowerCase(),
    roid: text(child(inf, 'roid')),
    statuses: children(inf, 'status')
      .map((s) => attr(s, 's') ?? '')
      .filter(Boolean),
    registrant: text(child(inf, 'registrant')) || undefined,
    clID: text(child(inf, 'clID')),
    crDate: parseDate(text(child(inf, 'crDate'))),
    upDate: parseDate(text(child(inf, 'upDate'))),
    exDate: parseDate(text(child(inf, 'exDate'))),
    trDate: parseDate(text(child(inf, 'trDate'))),
    authInfo: text(child(child(inf, 'authInfo'), 'pw')) || undefined,
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

/** Domain trnData only: a contact's trnData carries `id` rather than `name`. */
export function readTrnData(resData: XmlObject | undefined): TransferData | undefined {
  const trn = child(resData, 'trnData');
  if (!trn || child(trn, 'name') === undefined) return undefined;
  return {
    name: text(child(trn, 'name')).toLowerCase(),
    trStatus: text(child(trn, 'trStatus')),
    reID: text(child(trn, 'reID')),
    reDate: parseDate(text(child(trn, 'reDate'))),
    acID: text(child(trn, 'acID')),
    acDate: parseDate(text(child(trn, 'acDate'))),
    exDate: parseDate(text(child(trn, 'exDate'))),
  };
}
