/** Which providers may vouch (src/rp/rules/provider-allowed.ts): fixedProvider and allowedProviders. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFixedProvider } from '../../../src/rp/fixed-provider.js';
import { checkProviderAllowed, providerAllowed } from '../../../src/rp/rules/provider-allowed.js';

const STEAM = 'https://steamcommunity.com/openid/login';
const fixed = compileFixedProvider({
  opEndpoint: STEAM,
  claimedIdPattern: /^https:\/\/steamcommunity\.com\/openid\/id\/(\d{17})$/,
  claimedIdsWithoutDiscovery: true,
});

describe('providerAllowed', () => {
  const rows: [string, string, typeof fixed | null, readonly string[] | undefined, boolean][] = [
    ['no restriction', 'https://any.example/op', null, undefined, true],
    ['listed', 'https://op.example/server', null, ['https://op.example/server'], true],
    [
      'listed in another spelling of the same URI',
      'https://op.example/server',
      null,
      ['HTTPS://OP.EXAMPLE:443/server'],
      true,
    ],
    ['one of several listed', 'https://b.example/', null, ['https://a.example/', 'https://b.example/'], true],
    ['not listed', 'https://evil.example/server', null, ['https://op.example/server'], false],
    ['an empty list allows none', 'https://op.example/server', null, [], false],
    ['the fixed endpoint', STEAM, fixed, undefined, true],
    ['another endpoint than the fixed one', 'https://evil.example/openid/login', fixed, undefined, false],
    [
      'the fixed endpoint in another spelling (fixed means exact)',
      'https://STEAMCOMMUNITY.com/openid/login',
      fixed,
      undefined,
      false,
    ],
    ['the fixed endpoint, not in allowedProviders', STEAM, fixed, ['https://op.example/'], false],
  ];
  for (const [name, op, f, allowed, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(providerAllowed(op, f, allowed), expected));
  }
});

describe('checkProviderAllowed', () => {
  test('allowed: passes', () =>
    assert.deepEqual(checkProviderAllowed(STEAM, fixed, undefined), { ok: true }));
  test('not allowed: untrusted_op', () => {
    assert.deepEqual(checkProviderAllowed('https://evil.example/', null, ['https://op.example/']), {
      ok: false,
      code: 'untrusted_op',
      message: 'this provider is not allowed for this site',
    });
  });
});
