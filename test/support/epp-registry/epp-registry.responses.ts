import { el, xmlDocument, type XmlChild, type XmlElement } from '../../../registrar-adapters/epp/epp.xml.ts';
import { REGISTRY_CURRENCY, type Reply, type TransferRecord } from './epp-registry.state.ts';

export const EPP_NS = 'urn:ietf:params:xml:ns:epp-1.0';
export const DOMAIN_NS = 'urn:ietf:params:xml:ns:domain-1.0';
export const CONTACT_NS = 'urn:ietf:params:xml:ns:contact-1.0';
export const HOST_NS = 'urn:ietf:params:xml:ns:host-1.0';
export const RGP_NS = 'urn:ietf:params:xml:ns:rgp-1.0';
export const FEE_NS = 'urn:ietf:params:xml:ns:epp:fee-1.0';

const MESSAGES: Record<number, string> = {
  1000: 'Command completed successfully',
  1001: 'Command completed successfully; action pending',
  1300: 'Command completed successfully; no messages',
  1301: 'Command completed successfully; ack to dequeue',
  1500: 'Command completed successfully; ending session',
  2001: 'Command syntax error',
  2002: 'Command use error',
  2004: 'Parameter value range error',
  2106: 'Object is not eligible for transfer',
  2200: 'Authentication error',
  2201: 'Authorization error',
  2202: 'Invalid authorization information',
  2300: 'Object pending transfer',
  2301: 'Object not pending transfer',
  2303: 'Object does not exist',
  2304: 'Object status prohibits operation',
  2306: 'Parameter value policy error',
  2308: 'Data management policy violation',
  2400: 'Command failed',
  2500: 'Command failed; server closing connection',
  2501: 'Authentication error; server closing connection',
  2502: 'Session limit exceeded; server closing connection',
};

export function standardMessage(code: number): string {
  return MESSAGES[code] ?? 'Command failed';
}

/**
 * Registries differ in the prefix they give the domain namespace (`domain:`, `dom:`, or a
 * default namespace); the adapter must not care, so the test registry can speak any of them.
 */
export class ResponseWriter {
  constructor(private readonly prefix: string) {}

  greeting(now: Date, extURIs: string[]): string {
    return xmlDocument(
      el(
        'epp',
        { xmlns: EPP_NS },
        el(
          'greeting',
          null,
          el('svID', null, 'Test EPP Registry'),
          el('svDate', null, now.toISOString()),
          el(
            'svcMenu',
            null,
            el('version', null, '1.0'),
            el('lang', null, 'en'),
            el('objURI', null, DOMAIN_NS),
            el('objURI', null, CONTACT_NS),
            el('objURI', null, HOST_NS),
            extURIs.length > 0 && el('svcExtension', null, ...extURIs.map((u) => el('extURI', null, u))),
          ),
          el(
            'dcp',
            null,
            el('access', null, el('all', null)),
            el(
              'statement',
              null,
              el('purpose', null, el('admin', null), el('prov', null)),
              el('recipient', null, el('ours', null), el('public', null)),
              el('retention', null, el('stated', null)),
            ),
          ),
        ),
      ),
    );
  }

  response(reply: Reply, trID: { clTRID?: string; svTRID: string }): string {
    const msgQ = reply.msgQ;
    return xmlDocument(
      el(
        'epp',
        { xmlns: EPP_NS },
        el(
          'response',
          null,
          el(
            'result',
            { code: reply.code },
            el('msg', null, reply.msg ?? standardMessage(reply.code)),
            reply.extValue &&
              el(
                'extValue',
                null,
                el('value', null, this.d('status', { s: reply.extValue.status }, true)),
                el('reason', null, reply.extValue.reason),
              ),
          ),
          msgQ &&
            el(
              'msgQ',
              { count: msgQ.count, id: msgQ.id },
              msgQ.qDate && el('qDate', null, msgQ.qDate.toISOString()),
              msgQ.msg && el('msg', null, msgQ.msg),
            ),
          this.resData(reply),
          this.extension(reply),
          el('trID', null, trID.clTRID && el('clTRID', null, trID.clTRID), el('svTRID', null, trID.svTRID)),
        ),
      ),
    );
  }

  private extension(reply: Reply): XmlChild {
    if (reply.infData?.rgpStatuses?.length) {
      return el('extension', null, el('rgp:infData', { 'xmlns:rgp': RGP_NS }, ...reply.infData.rgpStatuses.map((s) => el('rgp:rgpStatus', { s }))));
    }
    const priced = reply.chkData?.filter((c) => c.transferFee) ?? [];
    if (priced.length === 0) return null;
    return el(
      'extension',
      null,
      el(
        'fee:chkData',
        { 'xmlns:fee': FEE_NS },
        el('fee:currency', null, REGISTRY_CURRENCY),
        ...priced.map(({ name, transferFee: fee }) =>
          el(
            'fee:cd',
            null,
            el('fee:objID', null, name),
            el('fee:class', null, fee!.feeClass),
            el('fee:command', { name: 'transfer', standard: fee!.feeClass === 'standard' ? '1' : '0' }, el('fee:period', { unit: 'y' }, fee!.periodYears), el('fee:fee', null, fee!.amount)),
          ),
        ),
      ),
    );
  }

  private resData(reply: Reply): XmlChild {
    if (reply.chkData) {
      return el('resData', null, this.d('chkData', null, true, ...reply.chkData.map((c) => this.d('cd', null, false, this.d('name', { avail: c.avail ? '1' : '0' }, false, c.name)))));
    }
    if (reply.infData) {
      const d = reply.infData;
      const statuses = d.statuses.size ? [...d.statuses] : ['ok'];
      return el(
        'resData',
        null,
        this.d(
          'infData',
          null,
          true,
          this.d('name', null, false, d.name),
          this.d('roid', null, false, d.roid),
          ...statuses.map((s) => this.d('status', { s })),
          d.registrant && this.d('registrant', null, false, d.registrant),
          this.d('clID', null, false, d.clID),
          this.d('crID', null, false, d.clID),
          this.d('crDate', null, false, d.crDate.toISOString()),
          d.upDate && this.d('upDate', null, false, d.upDate.toISOString()),
          this.d('exDate', null, false, d.exDate.toISOString()),
          d.trDate && this.d('trDate', null, false, d.trDate.toISOString()),
          d.showAuthInfo && this.d('authInfo', null, false, this.d('pw', null, false, d.authInfo)),
        ),
      );
    }
    if (reply.trnData) return el('resData', null, this.trnData(reply.trnData));
    return null;
  }

  private trnData(t: TransferRecord): XmlElement {
    return this.d(
      'trnData',
      null,
      true,
      this.d('name', null, false, t.name),
      this.d('trStatus', null, false, t.trStatus),
      this.d('reID', null, false, t.reID),
      this.d('reDate', null, false, t.reDate.toISOString()),
      this.d('acID', null, false, t.acID),
      this.d('acDate', null, false, t.acDate.toISOString()),
      t.exDate && this.d('exDate', null, false, t.exDate.toISOString()),
    );
  }

  /** A domain-namespace element; `declare` puts the namespace declaration on it. */
  private d(name: string, attrs: Record<string, string> | null, declare = false, ...children: XmlChild[]): XmlElement {
    const ns = declare ? { [this.prefix ? `xmlns:${this.prefix}` : 'xmlns']: DOMAIN_NS } : {};
    return el(this.prefix ? `${this.prefix}:${name}` : name, { ...ns, ...attrs }, ...children);
  }
}
