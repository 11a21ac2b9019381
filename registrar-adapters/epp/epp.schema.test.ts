import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startEppFixture, type EppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';
import { ResponseWriter } from '../../test/support/epp-registry/epp-registry.responses.ts';
import { RegistryState } from '../../test/support/epp-registry/epp-registry.state.ts';
import { validateFrames } from '../../test/support/epp-registry/epp-registry.validator.ts';
import { encodeFrame, FrameReader } from './epp.framing.ts';

let f: EppFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** Speaks raw EPP to the registry, bypassing the adapter, to send what the adapter never would. */
async function sendRaw(port: number, ca: string, frames: string[]): Promise<void> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca });
  const reader = new FrameReader();
  let expected = frames.length + 1;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      expected -= reader.push(chunk).length;
      if (expected === 0) resolve();
    });
    socket.once('secureConnect', () => frames.forEach((x) => socket.write(encodeFrame(x))));
  });
  socket.destroy();
}

describe('schema validation of client frames', () => {
  it('catches a frame that breaks the IETF schemas, and only that one', async () => {
    f = await startEppFixture();
    const valid = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.test</domain:name></domain:info></info><clTRID>RAW-good</clTRID></command></epp>`;
    // A period unit of "d" and authInfo before period: both outside domain-1.0.
    const invalid = `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="request"><domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a.test</domain:name><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo><domain:period unit="d">1</domain:period></domain:transfer></transfer><clTRID>RAW-bad</clTRID></command></epp>`;
    await sendRaw(f.registry.port, f.registry.certs.cert, [valid, invalid]);
    const failures = await f.registry.schemaFailures();
    expect(failures.map((x) => x.label)).toEqual(['RAW-bad']);
    expect(failures[0]!.errors.join('\n')).toMatch(/period|authInfo/);
  });

  it('catches a frame that is not even well-formed', async () => {
    const failures = await validateFrames([{ label: 'broken', xml: '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/>' }]);
    expect(failures.map((x) => x.label)).toEqual(['broken']);
  });
});

describe('the test registry itself', () => {
  it('answers with schema-valid greetings and responses, whatever the domain prefix', async () => {
    const state = new RegistryState({ now: () => new Date('2026-03-02T10:00:00Z') });
    state.addDomain({ name: 'a.test', clID: 'other-registrar', authInfo: 'c0de-1', statuses: ['clientTransferProhibited'] });
    state.addDomain({ name: 'b.test', clID: 'other-registrar', authInfo: 'c0de-1' });
    state.addDomain({ name: 'c.test', clID: 'other-registrar', authInfo: 'c0de-1', transferFee: { amount: '250.00', feeClass: 'premium' } });
    const replies = [
      state.check(['a.test', 'free.test', 'c.test'], true, 2),
      state.requestTransfer('test-registrar', 'c.test', 'c0de-1', 1, { currency: 'USD', amount: '250.00' }),
      state.info('other-registrar', 'a.test'),
      state.requestTransfer('test-registrar', 'a.test', 'c0de-1'),
      state.requestTransfer('test-registrar', 'b.test', 'c0de-1', 2),
      state.pollRequest('other-registrar'),
      state.pollAck('other-registrar', '1'),
      state.pollRequest('other-registrar'),
    ];
    const documents = ['domain', 'dom', ''].flatMap((prefix) => {
      const writer = new ResponseWriter(prefix);
      return [
        { label: `${prefix}:greeting`, xml: writer.greeting(new Date(), ['urn:ietf:params:xml:ns:secDNS-1.1']) },
        ...replies.map((reply, i) => ({ label: `${prefix}:${i}:${reply.code}`, xml: writer.response(reply, { clTRID: 'ABC-1', svTRID: 'SV-1' }) })),
      ];
    });
    expect(await validateFrames(documents)).toEqual([]);
  });
});
