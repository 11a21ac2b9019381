import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_CLID, OUR_CLID, startEppFixture, type EppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';
import type { CommandKind } from '../../test/support/epp-registry/epp-registry.server.ts';
import type { RegistrarAdapter } from '../types.ts';
import { rejection } from '../../test/support/registrar-errors.ts';

const contacts = {
  registrant: { name: 'Ada', email: 'ada@example.test', address: { street: ['1 Road'], city: 'X', postcode: '1', countryCode: 'GB' } },
};

let f: EppFixture;
beforeAll(async () => {
  f = await startEppFixture();
  f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Right-Code-1' });
  f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID, authInfo: 'Our-Code-1' });
  f.registry.state.addDomain({ name: 'requested.test', clID: OTHER_CLID, authInfo: 'Right-Code-1' });
  f.registry.state.requestTransfer(OUR_CLID, 'requested.test', 'Right-Code-1');
  f.registry.state.addDomain({ name: 'server-locked.test', clID: OTHER_CLID, authInfo: 'Right-Code-1', statuses: ['serverTransferProhibited'] });
});
afterAll(async () => {
  await f.close();
  expect(await f.registry.schemaFailures()).toEqual([]);
});

const operations: Array<[string, CommandKind, (a: RegistrarAdapter) => Promise<unknown>]> = [
  ['transfer', 'transfer:request', (a) => a.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts })],
  ['getTransferStatus', 'transfer:query', (a) => a.getTransferStatus('theirs.test')],
  ['getDomainInfo', 'info', (a) => a.getDomainInfo('ours.test')],
  ['getLock', 'info', (a) => a.getLock('ours.test')],
  ['setLock', 'update', (a) => a.setLock('ours.test', true)],
  ['getEppCode', 'update', (a) => a.getEppCode('ours.test')],
  ['approveTransferOut', 'transfer:approve', (a) => a.approveTransferOut!('ours.test')],
  ['rejectTransferOut', 'transfer:reject', (a) => a.rejectTransferOut!('ours.test', 'no')],
  ['cancelTransferOut', 'transfer:cancel', (a) => a.cancelTransferOut!('requested.test')],
  ['poll', 'poll:req', (a) => a.poll!()],
];

const mappings: Array<[number, string, string]> = [
  // Our registrar may not act on the object: not the client's code.
  [2201, 'Authorization error', 'not_authorized'],
  [2202, 'Invalid authorization information', 'auth_code_invalid'],
  [2106, 'Object is not eligible for transfer', 'not_eligible'],
  [2304, 'Object status prohibits operation: clientTransferProhibited', 'transfer_prohibited'],
  [2308, 'Policy: transferred less than 60 days ago', 'not_eligible'],
  [2300, 'Object pending transfer', 'already_pending'],
  [2301, 'Object not pending transfer', 'not_found'],
  [2303, 'Object does not exist', 'not_found'],
  [2400, 'Command failed', 'transient'],
  [2500, 'Command failed; server closing connection', 'transient'],
  [2200, 'Authentication error', 'authentication_failed'],
  [2501, 'Authentication error; server closing connection', 'authentication_failed'],
  [2502, 'Session limit exceeded; server closing connection', 'transient'],
  [2005, 'Parameter value syntax error', 'not_eligible'],
  [2306, 'Parameter value policy error', 'not_eligible'],
];

describe.each(operations)('%s', (_name, kind, run) => {
  it.each(mappings)('maps %i to its error code, keeping the message and raw code', async (code, msg, expected) => {
    f.registry.failNext(kind, code, msg);
    const error = await rejection(run(f.adapter));
    expect({ code: error.code, rawCode: error.rawCode, registrarMessage: error.registrarMessage }).toEqual({
      code: expected,
      rawCode: code,
      registrarMessage: msg,
    });
  });
});

describe('refusals that do not name the status', () => {
  it('reads a Prohibited status from <extValue>', async () => {
    f.registry.failNext('transfer:request', 2308, 'Data management policy violation', 'clientTransferProhibited');
    const error = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect(error.code).toBe('transfer_prohibited');
  });

  it('looks at the domain statuses when the refusal is silent about them', async () => {
    f.registry.failNext('transfer:request', 2304, 'Object status prohibits operation');
    const error = await rejection(f.adapter.transfer({ domain: 'server-locked.test', authCode: 'Right-Code-1', contacts }));
    expect([error.code, error.registrarMessage]).toEqual(['transfer_prohibited', 'Object status prohibits operation']);

    f.registry.failNext('transfer:request', 2304, 'Object status prohibits operation');
    const unlocked = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect(unlocked.code).toBe('not_eligible');
  });

  it('answers 1000 and 1001 as success', async () => {
    f.registry.failNext('transfer:approve', 1000);
    await expect(f.adapter.approveTransferOut!('ours.test')).resolves.toBeUndefined();
  });
});
