/**
 * The checkid request's realm (spec §9.1, §9.2; OpenID 1.1 trust_root):
 * which field names it, its default, and its syntax.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { realmSyntax, requestedRealm } from '../../../src/op/rules/realm.js';
import { Message } from '../../../src/protocol/message.js';

const V2 = 'http://specs.openid.net/auth/2.0';
const checkid = (fields: Record<string, string>, v2: boolean) =>
  Message.fromPostArgs({ ...(v2 ? { 'openid.ns': V2 } : {}), 'openid.mode': 'checkid_setup', ...fields });

describe('requestedRealm (§9.1; 1.1 trust_root)', () => {
  const rows: [string, Record<string, string>, boolean, string | null, string | null][] = [
    [
      '2.0 reads openid.realm',
      { 'openid.realm': 'https://rp.example/' },
      true,
      'https://rp.example/r',
      'https://rp.example/',
    ],
    [
      '2.0 ignores openid.trust_root and defaults to return_to',
      { 'openid.trust_root': 'https://*.rp.example/' },
      true,
      'https://rp.example/r',
      'https://rp.example/r',
    ],
    [
      '1.1 reads openid.trust_root',
      { 'openid.trust_root': 'https://*.rp.example/' },
      false,
      'https://www.rp.example/r',
      'https://*.rp.example/',
    ],
    [
      '1.1 ignores openid.realm and defaults to return_to',
      { 'openid.realm': 'https://rp.example/' },
      false,
      'https://rp.example/r',
      'https://rp.example/r',
    ],
    [
      'a realm without return_to is the realm',
      { 'openid.realm': 'https://rp.example/' },
      true,
      null,
      'https://rp.example/',
    ],
    ['2.0 with neither names no relying party', {}, true, null, null],
    ['1.1 with neither names no relying party', {}, false, null, null],
  ];
  for (const [name, fields, v2, returnTo, expected] of rows) {
    test(name, () => {
      assert.deepEqual(
        requestedRealm(checkid(fields, v2), returnTo),
        expected === null
          ? { ok: false, code: 'no_return_to', message: 'the request has neither return_to nor realm' }
          : { ok: true, value: expected },
      );
    });
  }
});

describe('realmSyntax (§9.2)', () => {
  for (const text of ['https://rp.example/', 'http://*.rp.example/app', 'https://rp.example:8443/a?b=c']) {
    test(`parses ${text}`, () => {
      const v = realmSyntax(text);
      assert.equal(v.ok, true);
    });
  }
  for (const text of [
    'https://rp.example/#frag',
    'ftp://rp.example/',
    'rp.example',
    'https://www.*.rp.example/',
    '',
  ]) {
    test(`refuses ${JSON.stringify(text)} as realm_invalid`, () => {
      assert.deepEqual(realmSyntax(text), {
        ok: false,
        code: 'realm_invalid',
        message: `realm is not a valid realm: ${text}`,
      });
    });
  }
});
