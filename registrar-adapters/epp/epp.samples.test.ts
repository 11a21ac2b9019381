import { describe, expect, it } from 'vitest';
import { EppProtocolError, parseEppMessage, readContactInfData, readHostInfData, readInfData, readTrnData, type EppResponse } from './epp.response.ts';

// Response frames shaped like the RFC 5730-5733 and 3915 examples, with the prefixes registries
// really use: `domain:`, `dom:`, none (a default namespace), and prefixes declared far above.
const EPP = 'urn:ietf:params:xml:ns:epp-1.0';
const wrap = (inner: string, root = `<epp xmlns="${EPP}">`) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="no"?>${root}<response><result code="1000"><msg>Command completed successfully</msg></result>${inner}<trID><clTRID>ABC-12345</clTRID><svTRID>54322-XYZ</svTRID></trID></response></epp>`;
const response = (xml: string) => parseEppMessage(xml) as EppResponse;

const domainInfo = (p: string, declare: string) =>
  `<resData><${p}infData ${declare}><${p}name>example.com</${p}name><${p}roid>EXAMPLE1-REP</${p}roid><${p}status s="ok"/><${p}registrant>jd1234</${p}registrant><${p}clID>ClientX</${p}clID><${p}crDate>1999-04-03T22:00:00.0Z</${p}crDate><${p}exDate>2005-04-03T22:00:00.0Z</${p}exDate></${p}infData></resData>`;

describe('responses read by namespace, whatever the prefix', () => {
  it.each([
    ['domain:', 'xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'],
    ['dom:', 'xmlns:dom="urn:ietf:params:xml:ns:domain-1.0"'],
    ['', 'xmlns="urn:ietf:params:xml:ns:domain-1.0"'],
  ])('reads a domain <infData> written with prefix "%s"', (prefix, declare) => {
    const inf = readInfData(response(wrap(domainInfo(prefix, declare))).resData);
    expect(inf).toMatchObject({ name: 'example.com', roid: 'EXAMPLE1-REP', statuses: ['ok'], clID: 'ClientX', exDate: new Date('2005-04-03T22:00:00Z'), rgpStatuses: [] });
  });

  it('resolves a prefix declared on the root element', () => {
    const xml = wrap(domainInfo('d:', ''), `<epp xmlns="${EPP}" xmlns:d="urn:ietf:params:xml:ns:domain-1.0">`);
    expect(readInfData(response(xml).resData)?.name).toBe('example.com');
  });

  it('never reads a contact’s or a host’s <infData> as a domain’s, and reads each as what it is', () => {
    const contact = response(
      wrap(
        '<resData><contact:infData xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>sh8013</contact:id><contact:roid>SH8013-REP</contact:roid><contact:status s="linked"/><contact:status s="clientDeleteProhibited"/><contact:postalInfo type="int"><contact:name>John Doe</contact:name><contact:addr><contact:city>Dulles</contact:city><contact:cc>US</contact:cc></contact:addr></contact:postalInfo><contact:email>jdoe@example.com</contact:email><contact:clID>ClientY</contact:clID><contact:crID>ClientX</contact:crID><contact:crDate>1999-04-03T22:00:00.0Z</contact:crDate></contact:infData></resData>',
      ),
    );
    expect(readInfData(contact.resData)).toBeUndefined();
    expect(readContactInfData(contact.resData)).toEqual({ id: 'sh8013', roid: 'SH8013-REP', statuses: ['linked', 'clientDeleteProhibited'], email: 'jdoe@example.com', clID: 'ClientY' });

    // A host written with the prefix `domain` bound to the host namespace: the URI decides.
    const host = response(
      wrap(
        '<resData><domain:infData xmlns:domain="urn:ietf:params:xml:ns:host-1.0"><domain:name>NS1.EXAMPLE.COM</domain:name><domain:roid>NS1_EXAMPLE1-REP</domain:roid><domain:status s="linked"/><domain:addr ip="v4">192.0.2.2</domain:addr><domain:addr ip="v6">1080:0:0:0:8:800:200C:417A</domain:addr><domain:clID>ClientY</domain:clID></domain:infData></resData>',
      ),
    );
    expect(readInfData(host.resData)).toBeUndefined();
    expect(readHostInfData(host.resData)).toEqual({
      name: 'ns1.example.com',
      roid: 'NS1_EXAMPLE1-REP',
      statuses: ['linked'],
      addresses: [
        { ip: 'v4', address: '192.0.2.2' },
        { ip: 'v6', address: '1080:0:0:0:8:800:200C:417A' },
      ],
      clID: 'ClientY',
    });
  });

  it('reads a domain <trnData> but not a contact’s, and a poll message with its queue', () => {
    const domainTrn = response(
      wrap(
        '<msgQ count="5" id="12345"><qDate>2000-06-08T22:00:00.0Z</qDate><msg>Transfer requested.</msg></msgQ><resData><obj:trnData xmlns:obj="urn:ietf:params:xml:ns:domain-1.0"><obj:name>example.com</obj:name><obj:trStatus>pending</obj:trStatus><obj:reID>ClientX</obj:reID><obj:reDate>2000-06-08T22:00:00.0Z</obj:reDate><obj:acID>ClientY</obj:acID><obj:acDate>2000-06-13T22:00:00.0Z</obj:acDate><obj:exDate>2002-09-08T22:00:00.0Z</obj:exDate></obj:trnData></resData>',
      ),
    );
    expect(domainTrn.msgQ).toMatchObject({ count: 5, id: '12345', msg: 'Transfer requested.' });
    expect(readTrnData(domainTrn.resData)).toMatchObject({ name: 'example.com', trStatus: 'pending', reID: 'ClientX', acID: 'ClientY' });
    const contactTrn = response(
      wrap(
        '<resData><contact:trnData xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>sh8013</contact:id><contact:trStatus>pending</contact:trStatus><contact:reID>ClientX</contact:reID><contact:reDate>2000-06-08T22:00:00.0Z</contact:reDate><contact:acID>ClientY</contact:acID><contact:acDate>2000-06-13T22:00:00.0Z</contact:acDate></contact:trnData></resData>',
      ),
    );
    expect(readTrnData(contactTrn.resData)).toBeUndefined();
  });

  it('reads the greeting’s services, and refuses a document that is not in the EPP namespace', () => {
    const greeting = parseEppMessage(
      `<epp xmlns="${EPP}"><greeting><svID>Example EPP server epp.example.com</svID><svDate>2000-06-08T22:00:00.0Z</svDate><svcMenu><version>1.0</version><lang>en</lang><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI><objURI>urn:ietf:params:xml:ns:contact-1.0</objURI><svcExtension><extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI></svcExtension></svcMenu></greeting></epp>`,
    );
    expect(greeting).toEqual({ kind: 'greeting', svID: 'Example EPP server epp.example.com', objURIs: ['urn:ietf:params:xml:ns:domain-1.0', 'urn:ietf:params:xml:ns:contact-1.0'], extURIs: ['urn:ietf:params:xml:ns:rgp-1.0'] });
    expect(() => parseEppMessage('<epp xmlns="urn:example:not-epp"><hello/></epp>')).toThrow(EppProtocolError);
  });

  it('reads the RGP extension (RFC 3915) beside the domain data, and ignores extensions it does not know', () => {
    const xml = wrap(
      `${domainInfo('domain:', 'xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"')}<extension><secDNS:infData xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1"><secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag></secDNS:dsData></secDNS:infData><rgp:infData xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"><rgp:rgpStatus s="redemptionPeriod"/></rgp:infData></extension>`,
    );
    const parsed = response(xml);
    expect(readInfData(parsed.resData, parsed.extension)?.rgpStatuses).toEqual(['redemptionPeriod']);
  });
});
