import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addOpenID2Realm, openid2AuthorizationParams, withOpenID2Scope } from '../../src/migrate/index.js';

// Migration 1.0 §2: the request carries the openid2 scope and openid2_realm.

describe('openid2AuthorizationParams', () => {
  test('adds the openid2 scope and the realm', () => {
    assert.deepEqual(openid2AuthorizationParams('https://app.example/'), {
      scope: 'openid openid2',
      openid2_realm: 'https://app.example/',
    });
  });
  test('keeps other scope values and does not repeat openid2', () => {
    assert.equal(
      openid2AuthorizationParams('https://app.example/', { scope: 'openid2 email' }).scope,
      'openid2 email openid',
    );
  });
  test('throws TypeError for a value that is not a realm (configuration error)', () => {
    assert.throws(() => openid2AuthorizationParams('app.example'), TypeError);
  });
});

describe('withOpenID2Scope', () => {
  for (const [input, want] of [
    ['', 'openid openid2'],
    ['openid', 'openid openid2'],
    ['openid  email', 'openid email openid2'],
    ['email openid2 openid', 'email openid2 openid'],
  ] as const) {
    test(`${JSON.stringify(input)} -> ${want}`, () => assert.equal(withOpenID2Scope(input), want));
  }
});

describe('addOpenID2Realm', () => {
  test('sets the parameters on a built URL, leaving the others', () => {
    const out = addOpenID2Realm(
      new URL('https://op.example/auth?client_id=c&scope=openid+email'),
      'https://app.example/',
    );
    assert.equal(out.searchParams.get('client_id'), 'c');
    assert.equal(out.searchParams.get('scope'), 'openid email openid2');
    assert.equal(out.searchParams.get('openid2_realm'), 'https://app.example/');
  });
});
