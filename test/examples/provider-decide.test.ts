/**
 * examples/provider-decide.ts (the code docs/provider.md walks through)
 * decides real requests from this package's relying party over HTTP on
 * 127.0.0.1: each branch of its decision, relying-party discovery with
 * rpReturnToXrds, and a request whose return_to is outside its realm.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { decide, type Session, start } from '../../examples/provider-decide.js';
import { nodeListener } from '../../src/adapters/node-http.js';
import {
  MemoryStore,
  Provider,
  RelyingParty,
  rpReturnToXrds,
  SRegRequest,
  SRegResponse,
} from '../../src/index.js';

const session: Session = { user: null, trusted: new Set(), refused: new Set(), profile: {} };
let op: Awaited<ReturnType<typeof start>>;
let rpServer: Server;
let realm = '';
let rp: RelyingParty;
/** Whether the relying party's realm serves its return_to XRDS (spec §13). */
let servesXrds = true;

async function login(identifier: string, options: { immediate?: boolean } = {}) {
  const auth = await rp.begin(identifier, {
    immediate: options.immediate ?? false,
    extensions: [new SRegRequest({ optional: ['nickname'] })],
  });
  const atOp = await fetch(auth.redirectUrl, { redirect: 'manual' });
  if (atOp.status !== 302) return { page: await atOp.text(), status: atOp.status };
  const result = await rp.complete(atOp.headers.get('location') as string, { state: auth.state });
  return { result };
}

describe('examples/provider-decide.ts', () => {
  before(async () => {
    rpServer = createServer(
      nodeListener(async (request) => {
        const url = new URL(request.url);
        if (url.pathname === '/' && servesXrds) {
          return new Response(rpReturnToXrds([`${realm}return`]), {
            headers: { 'content-type': 'application/xrds+xml' },
          });
        }
        return new Response('not found\n', { status: 404 });
      }),
    );
    await new Promise<void>((r) => rpServer.listen(0, '127.0.0.1', r));
    realm = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/`;
    op = await start(0, { session, allowPrivateNetworks: true });
    rp = new RelyingParty({
      realm,
      returnTo: `${realm}return`,
      store: new MemoryStore(),
      secret: 'a test secret that is long enough to authenticate state',
      fetch: { allowPrivateNetworks: true },
    });
  });
  after(async () => {
    await op.close();
    await new Promise<void>((r) => rpServer.close(() => r()));
  });
  beforeEach(() => {
    Object.assign(session, { user: null, trusted: new Set(), refused: new Set(), profile: {} });
    servesXrds = true;
  });

  test('a trusted realm gets a signed assertion with the SReg fields the user released', async () => {
    Object.assign(session, { user: 'alice', trusted: new Set([realm]), profile: { nickname: 'al' } });
    const { result } = await login(op.identityUrl('alice'));
    assert.equal(result?.status, 'success');
    assert.ok(result?.status === 'success');
    assert.equal(result.claimedId, op.identityUrl('alice'));
    assert.equal(SRegResponse.fromSuccess(result)?.get('nickname'), 'al');
  });

  test('identifier_select at the OP identifier: the provider names the signed-in user', async () => {
    Object.assign(session, { user: 'bob', trusted: new Set([realm]) });
    const { result } = await login(op.url);
    assert.ok(result?.status === 'success');
    assert.equal(result.claimedId, op.identityUrl('bob'));
  });

  test('nobody signed in: setup mode shows the login page, immediate mode answers setup_needed', async () => {
    assert.deepEqual(await login(op.identityUrl('alice')), { page: 'login\n', status: 200 });
    const { result } = await login(op.identityUrl('alice'), { immediate: true });
    assert.equal(result?.status, 'setup_needed');
  });

  test('signed in as someone else than the identifier asked about: no assertion for it', async () => {
    Object.assign(session, { user: 'mallory', trusted: new Set([realm]) });
    assert.deepEqual(await login(op.identityUrl('alice')), { page: 'login\n', status: 200 });
    const { result } = await login(op.identityUrl('alice'), { immediate: true });
    assert.equal(result?.status, 'setup_needed');
  });

  test('a realm the user refused is answered cancel', async () => {
    Object.assign(session, { user: 'alice', refused: new Set([realm]) });
    const { result } = await login(op.identityUrl('alice'));
    assert.equal(result?.status, 'cancel');
  });

  test('an untrusted realm asks for consent, with the result of relying-party discovery', async () => {
    Object.assign(session, { user: 'alice' });
    const auth = await rp.begin(op.identityUrl('alice'));
    // decide() directly, on the request as the provider decodes it, to see the page it asks for.
    const provider = new Provider({
      endpoint: `${op.url}/openid`,
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    const request = provider.decodeRequest(new URL(auth.redirectUrl).searchParams);
    assert.ok(request?.mode === 'checkid_setup');
    const verified = await decide(request, session, op.identityUrl);
    assert.equal(verified.kind === 'page' && verified.page, 'consent');
    assert.equal(verified.kind === 'page' && verified.returnToVerified, true);
    assert.equal(verified.kind === 'page' && verified.trust?.verdict, 'verified');
    servesXrds = false;
    const unverified = await decide(request, session, op.identityUrl);
    assert.equal(unverified.kind === 'page' && unverified.page, 'consent');
    assert.equal(unverified.kind === 'page' && unverified.returnToVerified, false);
    assert.equal(unverified.kind === 'page' && unverified.trust?.verdict, 'unverified');
    const why = unverified.kind === 'page' ? unverified.trust?.checks.at(-1) : undefined;
    assert.equal(why?.rule, 'relying_party_discovery');
    assert.equal(why?.outcome, 'failed');
  });

  test('a return_to outside the realm is refused with a 400 page, never a redirect', async () => {
    const q = new URLSearchParams({
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': op.identityUrl('alice'),
      'openid.identity': op.identityUrl('alice'),
      'openid.realm': realm,
      'openid.return_to': 'http://evil.example/steal',
    });
    const res = await fetch(`${op.url}/openid?${q}`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /not valid/);
  });
});
