/**
 * OpenID 2.0 to OpenID Connect Migration 1.0 end to end, on 127.0.0.1, with
 * the real `oidc-provider` (the provider's OpenID Connect side, beside
 * openid2's Provider) and `openid-client` (the site's OpenID Connect
 * library): a user who signed in with OpenID 2.0 moves to OpenID Connect
 * and the site links the accounts; the attacks of §10 fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { openid2AuthorizationParams, verifyOpenID2Id } from '../../src/migrate/index.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import {
  browseUntil,
  type OidcServer,
  type PlainSite,
  returnToXrds,
  startOidcServer,
  startPlainSite,
} from '../helpers/migration-servers.js';
import { browse } from '../helpers/op-server.js';

const SECRET = 'a-client-secret-of-enough-length-0123456789';
let site: PlainSite; // the relying party's origin: realm XRDS, callbacks
let other: PlainSite; // another site: its own realm, and identity pages pointing elsewhere
let dual: OidcServer; // openid2 Provider + oidc-provider, the user's provider
let rogue: OidcServer; // an OpenID Connect provider that claims identifiers it does not own

before(async () => {
  site = await startPlainSite({
    // Relying-party discovery (OpenID 2.0 §13): the realm lists its return_to URLs.
    '/': (b) => ({ type: 'application/xrds+xml', body: returnToXrds([`${b}/rp/return`, `${b}/oidc/cb`]) }),
  });
  other = await startPlainSite({
    '/': (b) => ({ type: 'application/xrds+xml', body: returnToXrds([`${b}/cb`]) }),
    // An OpenID 2.0 identifier whose discovery points at another provider's endpoint.
    'xrds:/bob': () => ({
      type: 'application/xrds+xml',
      body: `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/signon</Type><URI>http://127.0.0.1:9/elsewhere</URI></Service></XRD></xrds:XRDS>`,
    }),
    '/bob': () => ({ type: 'text/html', body: '<html><head><title>bob</title></head></html>' }),
    // An identifier that redirects to the victim's.
    '/carol': () => ({ type: 'text/html', body: '', status: 302, location: `${dual.base}/id/alice` }),
  });
  const clients = [
    {
      client_id: 'rp',
      client_secret: SECRET,
      redirect_uris: [`${site.base}/oidc/cb`],
      token_endpoint_auth_method: 'client_secret_post' as const,
    },
    {
      // Another app on the same host as the site, not listed by the site's realm.
      client_id: 'neighbour',
      client_secret: SECRET,
      redirect_uris: [`${site.base}/neighbour/cb`],
      token_endpoint_auth_method: 'client_secret_post' as const,
    },
    {
      client_id: 'other',
      client_secret: SECRET,
      redirect_uris: [`${other.base}/cb`],
      token_endpoint_auth_method: 'client_secret_post' as const,
    },
  ];
  dual = await startOidcServer({
    clients,
    checkRealm: true,
    openid2: true,
    openid2IdOf: (user, base) =>
      ({ alice: `${base}/id/alice`, mallory: `${other.base}/bob`, trudy: `${other.base}/carol` })[user] ??
      null,
  });
  rogue = await startOidcServer({
    clients,
    checkRealm: false,
    openid2: false,
    // Claims the dual provider's user as its own.
    openid2IdOf: () => `${dual.base}/id/alice`,
  });
});
after(async () => {
  await Promise.all([site?.close(), other?.close(), dual?.close(), rogue?.close()]);
});

const fetchOpts = { allowPrivateNetworks: true };

/** The site's OpenID Connect sign-in with openid-client, asking for the OpenID 2.0 identifier. */
async function oidcSignIn(opts: {
  provider: OidcServer;
  clientId: string;
  redirectUri: string;
  realm: string;
}): Promise<
  | { ok: true; claims: client.IDToken; config: client.Configuration }
  | { ok: false; error: string; description: string }
> {
  const config = await client.discovery(
    new URL(opts.provider.base),
    opts.clientId,
    undefined,
    client.ClientSecretPost(SECRET),
    {
      execute: [client.allowInsecureRequests],
    },
  );
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: opts.redirectUri,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    ...openid2AuthorizationParams(opts.realm),
  });
  const back = await browseUntil(url.href, opts.redirectUri);
  const error = back.searchParams.get('error');
  if (error !== null)
    return { ok: false, error, description: back.searchParams.get('error_description') ?? '' };
  const tokens = await client.authorizationCodeGrant(config, back, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
  });
  const claims = tokens.claims();
  assert.ok(claims);
  return { ok: true, claims, config };
}

function expectSignedIn(r: Awaited<ReturnType<typeof oidcSignIn>>) {
  assert.ok(r.ok, JSON.stringify(r));
  return r as Extract<typeof r, { ok: true }>;
}

describe('Migration 1.0 end to end: the user moves and the accounts are linked', () => {
  test('an OpenID 2.0 account signs in with OpenID Connect and is linked by the issuer document (§2-§7)', async () => {
    // The old world: the site's accounts are keyed by the OpenID 2.0 claimed identifier.
    const accounts = new Map<string, { name: string; oidc?: string }>();
    const rp = new RelyingParty({
      realm: `${site.base}/`,
      returnTo: `${site.base}/rp/return`,
      secret: 's'.repeat(40),
      store: new MemoryStore(),
      fetch: fetchOpts,
    });
    const auth = await rp.begin(`${dual.base}/id/alice`);
    const back = await browse(auth.redirectUrl);
    const old = await rp.complete(back.url, { state: auth.state, ...(back.body ? { body: back.body } : {}) });
    assert.equal(old.status, 'success', JSON.stringify(old));
    if (old.status !== 'success') return;
    assert.ok(old.claimedId);
    accounts.set(old.claimedId, { name: 'alice-account' });

    // The move: OpenID Connect at the same provider, asking for openid2_id with the old realm.
    dual.user = 'alice';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    assert.equal(signIn.claims.openid2_id, `${dual.base}/id/alice`);
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: signIn.config.serverMetadata().issuer,
      clientId: 'rp',
      realm: `${site.base}/`,
      fetch: fetchOpts,
    });
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.deepEqual(verdict.value.proof, { method: 'issuer-document' });
    assert.equal(verdict.value.issuer, dual.base);
    assert.equal(verdict.value.subject, 'alice');
    const account = accounts.get(verdict.value.openid2Id);
    assert.equal(account?.name, 'alice-account', 'the new sign-in finds the old account');
    if (account) account.oidc = `${verdict.value.issuer} ${verdict.value.subject}`;
    assert.equal(accounts.get(old.claimedId as string)?.oidc, `${dual.base} alice`);
  });

  test('the first way of §6: discovery on the identifier finds an OP endpoint with the Authorization Endpoint authority', async () => {
    dual.user = 'alice';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    const meta = signIn.config.serverMetadata();
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: meta.issuer,
      clientId: 'rp',
      realm: `${site.base}/`,
      authorizationEndpoint: meta.authorization_endpoint,
      sameAuthorityProviders: [new URL(dual.base).host],
      fetch: fetchOpts,
    });
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.deepEqual(verdict.value.proof, { method: 'endpoint-authority', opEndpoint: `${dual.base}/op` });
  });

  test('a user without an OpenID 2.0 identifier gets no openid2_id, and nothing is linked (§4.1)', async () => {
    dual.user = 'newcomer';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    assert.equal(signIn.claims.openid2_id, undefined);
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: dual.base,
      clientId: 'rp',
      realm: `${site.base}/`,
      fetch: fetchOpts,
    });
    assert.equal(verdict.ok ? 'ok' : verdict.code, 'openid2_id_missing');
  });

  test('the identifier is fetched through the SSRF-guarded fetcher: loopback is refused unless allowed', async () => {
    dual.user = 'alice';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: dual.base,
      clientId: 'rp',
      realm: `${site.base}/`,
    });
    assert.ok(!verdict.ok);
    assert.equal(verdict.code, 'issuer_document_unavailable');
    assert.match(verdict.message, /127\.0\.0\.1/);
  });
});

describe('Migration 1.0 end to end: the attacks fail', () => {
  test('an OpenID Connect provider claiming an openid2_id it is not authoritative for (§6, §10)', async () => {
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: rogue,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    assert.equal(
      signIn.claims.openid2_id,
      `${dual.base}/id/alice`,
      'the rogue token is well-formed and signed',
    );
    const meta = signIn.config.serverMetadata();
    const base = {
      claims: signIn.claims,
      issuer: meta.issuer,
      clientId: 'rp',
      realm: `${site.base}/`,
      fetch: fetchOpts,
    };
    const second = await verifyOpenID2Id(base);
    assert.equal(second.ok ? 'ok' : second.code, 'issuer_document_mismatch');
    // Even a site that lists the rogue host as single-provider gets no link: discovery names the real endpoint.
    const first = await verifyOpenID2Id({
      ...base,
      authorizationEndpoint: meta.authorization_endpoint,
      sameAuthorityProviders: [new URL(rogue.base).host],
    });
    assert.ok(!first.ok);
    assert.equal(first.code, 'issuer_document_mismatch');
    assert.match(first.message, /by endpoint authority: .*does not share|shares the authority/);
  });

  test('a realm that does not advertise the redirect_uri (another app on the same host) is refused (§3)', async () => {
    dual.user = 'alice';
    const before = dual.refusals.length;
    const r = await oidcSignIn({
      provider: dual,
      clientId: 'neighbour',
      redirectUri: `${site.base}/neighbour/cb`,
      realm: `${site.base}/`,
    });
    assert.ok(!r.ok, 'no ID Token is issued');
    assert.equal(r.error, 'invalid_request');
    assert.match(r.description, /does not advertise/);
    assert.deepEqual(dual.refusals.slice(before), ['rp_discovery_no_match']);
  });

  test('a redirect_uri outside the realm is refused (§3)', async () => {
    const before = dual.refusals.length;
    const r = await oidcSignIn({
      provider: dual,
      clientId: 'rp',
      redirectUri: `${site.base}/oidc/cb`,
      realm: `${other.base}/`,
    });
    assert.ok(!r.ok);
    assert.equal(r.error, 'invalid_request');
    assert.match(r.description, /not within openid2_realm/);
    assert.deepEqual(dual.refusals.slice(before), ['redirect_uri_outside_realm']);
  });

  test('an openid2_id in an ID Token issued to another client links nothing here (§5)', async () => {
    dual.user = 'alice';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'other',
        redirectUri: `${other.base}/cb`,
        realm: `${other.base}/`,
      }),
    );
    assert.equal(signIn.claims.aud, 'other');
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: dual.base,
      clientId: 'rp',
      realm: `${site.base}/`,
      fetch: fetchOpts,
    });
    assert.equal(verdict.ok ? 'ok' : verdict.code, 'audience_mismatch');
  });

  test('an identifier whose discovery points at another provider is refused both ways (§6)', async () => {
    dual.user = 'mallory';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    assert.equal(signIn.claims.openid2_id, `${other.base}/bob`);
    const meta = signIn.config.serverMetadata();
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: meta.issuer,
      clientId: 'rp',
      realm: `${site.base}/`,
      authorizationEndpoint: meta.authorization_endpoint,
      sameAuthorityProviders: [new URL(dual.base).host],
      fetch: fetchOpts,
    });
    assert.ok(!verdict.ok);
    assert.equal(verdict.code, 'issuer_document_unavailable');
    assert.match(
      verdict.message,
      /by endpoint authority: no OpenID 2.0 endpoint .*127\.0\.0\.1:9\/elsewhere/,
    );
  });

  test('an identifier that redirects to another identifier is refused both ways (§6)', async () => {
    dual.user = 'trudy';
    const signIn = expectSignedIn(
      await oidcSignIn({
        provider: dual,
        clientId: 'rp',
        redirectUri: `${site.base}/oidc/cb`,
        realm: `${site.base}/`,
      }),
    );
    const meta = signIn.config.serverMetadata();
    const verdict = await verifyOpenID2Id({
      claims: signIn.claims,
      issuer: meta.issuer,
      clientId: 'rp',
      realm: `${site.base}/`,
      authorizationEndpoint: meta.authorization_endpoint,
      sameAuthorityProviders: [new URL(dual.base).host],
      fetch: fetchOpts,
    });
    assert.ok(!verdict.ok);
    assert.equal(verdict.code, 'issuer_document_redirected');
    assert.match(verdict.message, /discovery on .*\/carol ended at another identifier/);
  });
});
