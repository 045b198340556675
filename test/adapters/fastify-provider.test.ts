/**
 * Fastify provider plugin (issue 24): this package's Provider served by
 * openidProviderFastify in a real Fastify 5 app on 127.0.0.1; this package's
 * RelyingParty logs in through it with an association (POST associate) and
 * statelessly (check_authentication), and the app's own page and the
 * non-OpenID answer are checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { openidProviderFastify } from '../../src/adapters/fastify.js';
import { identityPageHtml } from '../../src/op/identity-pages.js';
import { Provider } from '../../src/op/provider.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { freePort } from './free-port.js';

describe('Fastify provider plugin', () => {
  let app: FastifyInstance;
  let base = '';
  let decision: 'allow' | 'deny' | 'own-page' = 'allow';
  const modes: string[] = [];

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const op = new Provider({ endpoint: `${base}/openid`, store: new MemoryStore() });
    app = Fastify();
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/openid')) modes.push(req.method);
    });
    app.get('/id/:name', async (req, reply) =>
      reply
        .type('text/html')
        .send(
          identityPageHtml({ opEndpoint: `${base}/openid`, title: (req.params as { name: string }).name }),
        ),
    );
    await app.register(openidProviderFastify, {
      provider: op,
      authorize: async (request, _req, reply) => {
        if (decision === 'own-page') return reply.code(200).type('text/html').send('<p>log in first</p>');
        if (decision === 'deny') return request.answer(false);
        return request.answer(true);
      },
    });
    await app.listen({ port, host: '127.0.0.1' });
  });
  after(() => app.close());

  function rp(store: MemoryStore | null) {
    return new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'p'.repeat(40),
      store,
      fetch: { allowPrivateNetworks: true },
    });
  }

  async function login(r: RelyingParty) {
    const auth = await r.begin(`${base}/id/alice`);
    const res = await fetch(auth.redirectUrl, { redirect: 'manual' });
    return { auth, res };
  }

  for (const mode of ['association', 'stateless'] as const) {
    test(`a relying party logs in (${mode})`, async () => {
      decision = 'allow';
      modes.length = 0;
      const r = rp(mode === 'association' ? new MemoryStore() : null);
      const { auth, res } = await login(r);
      assert.equal(auth.usesAssociation, mode === 'association');
      assert.equal(res.status, 302);
      const result = await r.complete(res.headers.get('location') as string, { state: auth.state });
      assert.equal(result.status, 'success');
      if (result.status === 'success') {
        assert.equal(result.claimedId, `${base}/id/alice`);
        assert.equal(result.verifiedBy, mode === 'association' ? 'association' : 'check_authentication');
      }
      // associate (POST) then checkid (GET); or checkid (GET) then check_authentication (POST)
      assert.deepEqual(modes, mode === 'association' ? ['POST', 'GET'] : ['GET', 'POST']);
    });
  }

  test('a denied request comes back as cancel', async () => {
    decision = 'deny';
    const r = rp(null);
    const { auth, res } = await login(r);
    const result = await r.complete(res.headers.get('location') as string, { state: auth.state });
    assert.equal(result.status, 'cancel');
  });

  test("the app's own page is sent as it answered it", async () => {
    decision = 'own-page';
    const { res } = await login(rp(null));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<p>log in first</p>');
  });

  test('a request that is not OpenID gets 400, a malformed one the spec error', async () => {
    const plain = await fetch(`${base}/openid`);
    assert.equal(plain.status, 400);
    const bad = await fetch(`${base}/openid`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0&openid.mode=associate&openid.assoc_type=nope',
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\n/);
  });
});
