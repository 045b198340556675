/** Spec §11.2, the comparison (src/rp/rules/discovered.ts): the assertion against one discovered endpoint. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkDiscoveredEndpoint, checkOpenID1Identity } from '../../../src/rp/rules/discovered.js';
import { ALICE, endpoint, idRes1, idRes2, msg, OP, opIdentifier, outcome } from './fixtures.js';

describe('checkDiscoveredEndpoint', () => {
  const rows: [string, Record<string, string>, ReturnType<typeof endpoint>, string][] = [
    ['the discovered claimed id at its endpoint', idRes2(), endpoint(), 'ok'],
    [
      'op_endpoint spelled differently but the same URI',
      idRes2({ op_endpoint: 'HTTPS://OP.example:443/server' }),
      endpoint(),
      'ok',
    ],
    ['a claimed id with a fragment (§11.5.1)', idRes2({ claimed_id: `${ALICE}#2` }), endpoint(), 'ok'],
    [
      'a delegated identity',
      idRes2({ identity: 'https://op.example/u/alice' }),
      endpoint({ localId: 'https://op.example/u/alice' }),
      'ok',
    ],
    [
      'no claimed_id (extension-only): op_endpoint alone',
      idRes2({}, ['claimed_id', 'identity']),
      endpoint(),
      'ok',
    ],
    ['an OpenID 1 endpoint', idRes2(), endpoint({ version: '1.1' }), 'discovery_mismatch'],
    [
      'another op_endpoint',
      idRes2({ op_endpoint: 'https://evil.example/server' }),
      endpoint(),
      'discovery_mismatch',
    ],
    [
      'no claimed_id, another op_endpoint',
      idRes2({ op_endpoint: 'https://evil.example/' }, ['claimed_id', 'identity']),
      endpoint(),
      'discovery_mismatch',
    ],
    ['a claimed id resolving to an OP identifier', idRes2(), opIdentifier(), 'op_identifier_as_claimed_id'],
    [
      'another claimed id',
      idRes2({ claimed_id: 'https://bob.example/', identity: 'https://bob.example/' }),
      endpoint(),
      'discovery_mismatch',
    ],
    [
      'identity other than the discovered delegate',
      idRes2(),
      endpoint({ localId: 'https://op.example/u/alice' }),
      'discovery_mismatch',
    ],
    [
      'identity other than the claimed id (no delegate)',
      idRes2({ identity: 'https://op.example/u/mallory' }),
      endpoint(),
      'discovery_mismatch',
    ],
  ];
  for (const [name, f, ep, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(outcome(checkDiscoveredEndpoint(msg(f), ep)), expected));
  }
  test('the op_endpoint refusal says which field differs', () => {
    assert.deepEqual(
      checkDiscoveredEndpoint(msg(idRes2({ op_endpoint: 'https://evil.example/' })), endpoint()),
      {
        ok: false,
        code: 'discovery_mismatch',
        message: 'op_endpoint differs from the endpoint discovered for the claimed id',
      },
    );
  });
});

describe('checkOpenID1Identity', () => {
  const rows: [string, Record<string, string>, ReturnType<typeof endpoint>, string][] = [
    ['identity is the claimed id', idRes1(), endpoint({ version: '1.1' }), 'ok'],
    [
      'identity is the delegate',
      idRes1({ identity: 'https://op.example/u/a' }),
      endpoint({ version: '1.1', localId: 'https://op.example/u/a' }),
      'ok',
    ],
    [
      'identity is the claimed id though a delegate was discovered',
      idRes1(),
      endpoint({ version: '1.1', localId: 'https://op.example/u/a' }),
      'discovery_mismatch',
    ],
    [
      'identity names someone else',
      idRes1({ identity: 'https://bob.example/' }),
      endpoint({ version: '1.1' }),
      'discovery_mismatch',
    ],
  ];
  for (const [name, f, ep, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(outcome(checkOpenID1Identity(msg(f), ep)), expected));
  }
  test('compared as URIs', () => {
    assert.equal(
      outcome(
        checkOpenID1Identity(
          msg(idRes1({ identity: 'HTTPS://ALICE.example:443/' })),
          endpoint({ version: '1.1' }),
        ),
      ),
      'ok',
    );
  });
  test('the endpoint URL itself is not compared in OpenID 1', () => {
    assert.equal(
      outcome(checkOpenID1Identity(msg(idRes1()), endpoint({ version: '1.1', opEndpoint: `${OP}/other` }))),
      'ok',
    );
  });
});
