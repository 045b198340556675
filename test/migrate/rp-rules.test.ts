import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkAudience,
  checkDiscoveredIdentifier,
  checkEndpointAuthority,
  checkIssuer,
  checkIssuerDocument,
  checkSubject,
  checkXriIssuer,
  type IssuerDocumentResponse,
  readOpenID2Id,
  xriIssuerUrl,
} from '../../src/migrate/index.js';

// Relying-party rules of OpenID 2.0 to OpenID Connect Migration 1.0 §4-§6, one function each.

const ISS = 'https://op.example';
const codeOf = (v: { ok: boolean; code?: string }) => (v.ok ? 'ok' : v.code);

describe('checkIssuer (§5)', () => {
  for (const [name, iss, want] of [
    ['accepts the exact issuer', ISS, 'ok'],
    ['refuses a trailing-slash variant (exact comparison)', `${ISS}/`, 'issuer_mismatch'],
    ['refuses another issuer', 'https://evil.example', 'issuer_mismatch'],
    ['refuses a missing iss', undefined, 'issuer_mismatch'],
    ['refuses a non-string iss', 42, 'issuer_mismatch'],
  ] as const) {
    test(name, () => assert.equal(codeOf(checkIssuer({ iss }, ISS)), want));
  }
});

describe('checkAudience (§5, §10: an openid2_id for another audience links nothing)', () => {
  for (const [name, claims, want] of [
    ['accepts aud equal to the client', { aud: 'rp' }, 'ok'],
    ['accepts an array holding the client with azp the client', { aud: ['rp', 'other'], azp: 'rp' }, 'ok'],
    ['accepts a one-element array', { aud: ['rp'] }, 'ok'],
    ['refuses a token for another client', { aud: 'other' }, 'audience_mismatch'],
    ['refuses several audiences without azp', { aud: ['rp', 'other'] }, 'audience_mismatch'],
    [
      'refuses several audiences with another azp',
      { aud: ['rp', 'other'], azp: 'other' },
      'audience_mismatch',
    ],
    ['refuses a missing aud', {}, 'audience_mismatch'],
  ] as const) {
    test(name, () => assert.equal(codeOf(checkAudience(claims, 'rp')), want));
  }
});

describe('checkSubject (§7: the new key is iss + sub)', () => {
  test('accepts a sub', () => assert.deepEqual(checkSubject({ sub: 'u1' }), { ok: true, value: 'u1' }));
  test('refuses an empty or missing sub', () => {
    assert.equal(codeOf(checkSubject({ sub: '' })), 'subject_missing');
    assert.equal(codeOf(checkSubject({})), 'subject_missing');
  });
});

describe('readOpenID2Id (§4)', () => {
  test('reads a URL identifier, keeping the fragment for the account key and dropping it for fetching', () => {
    assert.deepEqual(readOpenID2Id({ openid2_id: 'https://op.example/id/alice#1' }), {
      ok: true,
      value: { claimedId: 'https://op.example/id/alice#1', url: 'https://op.example/id/alice' },
    });
  });
  for (const [name, value, want] of [
    ['refuses a missing claim', undefined, 'openid2_id_missing'],
    ['refuses an empty string', '', 'openid2_id_invalid'],
    ['refuses a number', 7, 'openid2_id_invalid'],
    ['refuses a non-normalized spelling', 'HTTPS://OP.example/id/alice', 'openid2_id_invalid'],
    [
      'refuses a host without path (not the normalized claimed id)',
      'https://op.example',
      'openid2_id_invalid',
    ],
    ['refuses another scheme', 'ftp://op.example/alice', 'openid2_id_invalid'],
    ['refuses a bare host', 'op.example/alice', 'openid2_id_invalid'],
    ['refuses an XRI with its own code', '=alice', 'openid2_id_xri_unsupported'],
  ] as const) {
    test(name, () => assert.equal(codeOf(readOpenID2Id({ openid2_id: value })), want));
  }
});

describe('checkDiscoveredIdentifier (§6)', () => {
  const id = { claimedId: 'https://op.example/id/alice', url: 'https://op.example/id/alice' };
  test('accepts discovery that ends at the identifier with an OP endpoint', () => {
    const v = checkDiscoveredIdentifier(id, {
      claimedId: id.url,
      opEndpoints: ['https://op.example/openid'],
    });
    assert.deepEqual(v, { ok: true, value: ['https://op.example/openid'] });
  });
  test('refuses discovery redirected to another identifier', () => {
    const v = checkDiscoveredIdentifier(id, { claimedId: 'https://evil.example/alice', opEndpoints: ['x'] });
    assert.equal(codeOf(v), 'discovery_claimed_id_mismatch');
  });
  test('refuses discovery without an OpenID 2.0 endpoint', () => {
    assert.equal(
      codeOf(checkDiscoveredIdentifier(id, { claimedId: id.url, opEndpoints: [] })),
      'discovery_no_openid2_endpoint',
    );
  });
});

describe('checkEndpointAuthority (§6, first way)', () => {
  for (const [name, endpoints, authz, want] of [
    ['accepts the same host', ['https://op.example/openid'], 'https://op.example/auth', 'ok'],
    [
      'accepts when any endpoint matches',
      ['https://a.example/o', 'https://op.example/o'],
      'https://op.example/auth',
      'ok',
    ],
    ['compares hosts case-insensitively', ['https://OP.example/openid'], 'https://op.example/auth', 'ok'],
    [
      'refuses another host',
      ['https://other.example/openid'],
      'https://op.example/auth',
      'endpoint_authority_mismatch',
    ],
    [
      'refuses another port (the authority includes it)',
      ['http://127.0.0.1:4000/op'],
      'http://127.0.0.1:5000/auth',
      'endpoint_authority_mismatch',
    ],
    [
      'refuses a subdomain',
      ['https://id.op.example/openid'],
      'https://op.example/auth',
      'endpoint_authority_mismatch',
    ],
    [
      'refuses an unparseable authorization endpoint',
      ['https://op.example/openid'],
      'not a url',
      'endpoint_authority_mismatch',
    ],
  ] as const) {
    test(name, () => assert.equal(codeOf(checkEndpointAuthority(endpoints, authz)), want));
  }
});

describe('checkIssuerDocument (§6, second way)', () => {
  const base: IssuerDocumentResponse = {
    requestedUrl: 'https://op.example/id/alice',
    finalUrl: 'https://op.example/id/alice',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ iss: ISS }),
  };
  for (const [name, change, want] of [
    ['accepts a JSON object naming the issuer', {}, 'ok'],
    ['accepts a +json media type', { contentType: 'application/jrd+json' }, 'ok'],
    [
      'refuses a redirect to another page',
      { finalUrl: 'https://evil.example/alice' },
      'issuer_document_redirected',
    ],
    ['refuses a non-200 status', { status: 404 }, 'issuer_document_unavailable'],
    ['refuses HTML', { contentType: 'text/html' }, 'issuer_document_unavailable'],
    ['refuses a missing content type', { contentType: null }, 'issuer_document_unavailable'],
    ['refuses malformed JSON', { body: '{"iss":' }, 'issuer_document_invalid'],
    ['refuses a JSON array', { body: '["https://op.example"]' }, 'issuer_document_invalid'],
    ['refuses an object without iss', { body: '{}' }, 'issuer_document_invalid'],
    ['refuses another issuer', { body: '{"iss":"https://evil.example"}' }, 'issuer_document_mismatch'],
    [
      'refuses a trailing-slash variant (exact match)',
      { body: '{"iss":"https://op.example/"}' },
      'issuer_document_mismatch',
    ],
  ] as const) {
    test(name, () => assert.equal(codeOf(checkIssuerDocument({ ...base, ...change }, ISS)), want));
  }
});

describe('XRI issuer (§6, third way)', () => {
  test('xriIssuerUrl appends the XRI and /(+openid_iss) to the resolver', () => {
    assert.equal(
      xriIssuerUrl('https://xri.net/', '=!91F2.8153'),
      'https://xri.net/=!91F2.8153/(+openid_iss)',
    );
    assert.equal(xriIssuerUrl('https://xri.net', 'xri://=alice'), 'https://xri.net/=alice/(+openid_iss)');
  });
  for (const [name, status, finalUrl, want] of [
    ['accepts forwarding that ends at the issuer', 200, ISS, 'ok'],
    ['ignores a trailing slash (and only that)', 200, `${ISS}/`, 'ok'],
    ['refuses another URL', 200, 'https://evil.example/', 'xri_issuer_mismatch'],
    ['refuses a path below the issuer', 200, `${ISS}/x`, 'xri_issuer_mismatch'],
    ['refuses a lookup that does not end in 200', 404, ISS, 'xri_issuer_unavailable'],
  ] as const) {
    test(name, () => assert.equal(codeOf(checkXriIssuer({ status, finalUrl }, ISS)), want));
  }
});
