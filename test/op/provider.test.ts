import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverEndpointsFromHtml, discoverEndpointsFromXrds } from '../../src/discovery/endpoints.js';
import { AXFetchResponse } from '../../src/extensions/ax.js';
import { identityPageHtml, identityPageXrds, opIdentifierXrds } from '../../src/op/identity-pages.js';
import { Provider } from '../../src/op/provider.js';
import { CheckIDRequest } from '../../src/op/requests.js';
import { IDENTIFIER_SELECT, OPENID2_NS } from '../../src/protocol/constants.js';
import { createConsumerSession, DEFAULT_DH_MODULUS } from '../../src/protocol/dh.js';
import { btwoc, encodeBase64 } from '../../src/protocol/encoding.js';
import { AlreadySignedError, ProtocolError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { MemoryStore } from '../../src/stores/memory.js';

const EP = 'https://op.example/openid';
const RT = 'https://rp.example/return?sid=1';
const newOp = (endpoint = EP) => new Provider({ endpoint, store: new MemoryStore() });
const kv = (body: string) => Message.fromKVForm(body);

function checkid(extra: Record<string, string> = {}) {
  return {
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': 'https://op.example/id/alice',
    'openid.identity': 'https://op.example/id/alice',
    'openid.return_to': RT,
    'openid.realm': 'https://rp.example/',
    ...extra,
  };
}

async function assocRequest(
  op: Provider,
  assocType: 'HMAC-SHA1' | 'HMAC-SHA256',
  sessionType: 'DH-SHA1' | 'DH-SHA256',
) {
  const session = createConsumerSession(sessionType);
  const req = op.decodeRequest({
    'openid.ns': OPENID2_NS,
    'openid.mode': 'associate',
    'openid.assoc_type': assocType,
    'openid.session_type': sessionType,
    ...Object.fromEntries(Object.entries(session.requestArgs()).map(([k, v]) => [`openid.${k}`, v])),
  });
  assert.ok(req && req.mode === 'associate');
  const web = await op.encodeResponse(await op.handleRequest(req));
  return { web, session };
}

describe('Provider: associate', () => {
  for (const [a, s] of [
    ['HMAC-SHA256', 'DH-SHA256'],
    ['HMAC-SHA1', 'DH-SHA1'],
  ] as const) {
    test(`${a} over ${s}: the relying party recovers the MAC key the provider stored`, async () => {
      const op = newOp();
      const { web, session } = await assocRequest(op, a, s);
      assert.equal(web.status, 200);
      const fields = kv(web.body);
      const key = session.extractMacKey(fields.toOpenIDArgs(), a);
      const stored = await op.store.getAssociation(`${EP}#shared`, fields.get(OPENID_NS, 'assoc_handle'));
      assert.deepEqual(Buffer.from(key), Buffer.from(stored?.secret ?? []));
      assert.equal(fields.get(OPENID_NS, 'expires_in'), String(14 * 24 * 3600));
    });
  }

  test('no-encryption over plain http is unsupported-type with the preferred pair', async () => {
    const op = newOp('http://op.example/openid');
    const p = {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA256',
      'openid.session_type': 'no-encryption',
    };
    const e = (() => {
      try {
        op.decodeRequest(p);
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof ProtocolError);
    const web = op.encodeError(e);
    assert.equal(web.status, 400);
    const f = kv(web.body);
    assert.deepEqual(
      [f.get(OPENID_NS, 'error_code'), f.get(OPENID_NS, 'assoc_type'), f.get(OPENID_NS, 'session_type')],
      ['unsupported-type', 'HMAC-SHA256', 'DH-SHA256'],
    );
  });

  test('an unknown or mismatched pair is unsupported-type', async () => {
    const op = newOp();
    for (const [a, s] of [
      ['HMAC-MD5', 'DH-SHA1'],
      ['HMAC-SHA1', 'DH-SHA256'],
      ['HMAC-SHA256', 'DH-SHA512'],
    ]) {
      assert.throws(
        () =>
          op.decodeRequest({
            'openid.ns': OPENID2_NS,
            'openid.mode': 'associate',
            'openid.assoc_type': a as string,
            'openid.session_type': s as string,
          }),
        (e) => e instanceof ProtocolError && e.context.errorCode === 'unsupported-type',
      );
    }
  });

  test('DH-01: weak consumer publics (0, 1, p-1, p) are refused with a 400, no association kept', async () => {
    const op = newOp();
    for (const pub of [0n, 1n, DEFAULT_DH_MODULUS - 1n, DEFAULT_DH_MODULUS]) {
      const req = op.decodeRequest({
        'openid.ns': OPENID2_NS,
        'openid.mode': 'associate',
        'openid.assoc_type': 'HMAC-SHA256',
        'openid.session_type': 'DH-SHA256',
        'openid.dh_consumer_public': encodeBase64(btwoc(pub)),
      });
      assert.ok(req && req.mode === 'associate');
      const web = await op.encodeResponse(await op.handleRequest(req));
      assert.equal(web.status, 400, String(pub));
      assert.equal(kv(web.body).get(OPENID_NS, 'mode'), 'error');
    }
    assert.equal(await op.store.getAssociation(`${EP}#shared`), null);
  });
});

describe('Provider: checkid', () => {
  test('decodes identity, claimed_id, return_to and realm; no mode is null', () => {
    const op = newOp();
    assert.equal(op.decodeRequest({ foo: 'bar' }), null);
    const r = op.decodeRequest(checkid());
    assert.ok(r instanceof CheckIDRequest);
    assert.equal(r.identity, 'https://op.example/id/alice');
    assert.equal(r.returnTo, RT);
    assert.equal(r.realm, 'https://rp.example/');
    assert.equal(r.trustRootValid(), true);
    assert.equal(r.idSelect(), false);
  });

  test('REALM: a return_to outside the realm is refused with a 400 page, never a redirect', () => {
    const op = newOp();
    const p = checkid({ 'openid.return_to': 'https://evil.example/steal' });
    let web: ReturnType<Provider['encodeError']> | undefined;
    try {
      op.decodeRequest(p);
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, 'return_to_not_in_realm');
      web = op.encodeError(e);
    }
    assert.equal(web?.status, 400);
    assert.equal(web?.headers['location'], undefined);
  });

  test('OPR: a malformed realm or return_to is a 400, with the error text escaped', () => {
    const op = newOp();
    for (const p of [
      checkid({ 'openid.realm': 'https://*.<script>alert(1)</script>/' }),
      checkid({ 'openid.return_to': 'javascript:alert(1)' }),
    ]) {
      try {
        op.decodeRequest(p);
        assert.fail('should throw');
      } catch (e) {
        assert.ok(e instanceof ProtocolError);
        const web = op.encodeError(e);
        assert.equal(web.status, 400);
        assert.equal(web.headers['location'], undefined);
        assert.ok(!web.body.includes('<script>alert'));
      }
    }
  });

  test('an error after return_to passed the realm check is redirected back with mode=error', () => {
    const op = newOp();
    const p: Record<string, string> = checkid();
    delete p['openid.claimed_id'];
    try {
      op.decodeRequest(p);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      const web = op.encodeError(e);
      assert.equal(web.status, 302);
      const back = new URL(web.headers['location'] as string);
      assert.equal(back.origin + back.pathname, 'https://rp.example/return');
      assert.equal(back.searchParams.get('openid.mode'), 'error');
      assert.equal(back.searchParams.get('sid'), '1');
    }
  });

  test('SL-09: a positive assertion signs every openid field, extensions and their declarations included', async () => {
    const op = newOp();
    const r = op.decodeRequest(checkid()) as CheckIDRequest;
    const response = r.answer(true);
    response.addExtension(new AXFetchResponse().add('http://axschema.org/contact/email', 'a@example.org'));
    const web = await op.encodeResponse(response);
    assert.equal(web.status, 302);
    const m = Message.fromQuery(web.headers['location'] as string);
    const signed = (m.get(OPENID_NS, 'signed') as string).split(',');
    for (const k of Object.keys(m.toOpenIDArgs()))
      if (k !== 'sig') assert.ok(signed.includes(k), `${k} unsigned`);
    assert.ok(signed.includes('ns.ext0') || signed.some((k) => k.startsWith('ns.')));
    await assert.rejects(() => op.signResponse(response), AlreadySignedError);
  });

  test('signs with the shared association the RP names, or a private one plus invalidate_handle', async () => {
    const op = newOp();
    const { web } = await assocRequest(op, 'HMAC-SHA256', 'DH-SHA256');
    const handle = kv(web.body).get(OPENID_NS, 'assoc_handle') as string;
    const shared = await op.encodeResponse(
      (op.decodeRequest(checkid({ 'openid.assoc_handle': handle })) as CheckIDRequest).answer(true),
    );
    const m1 = Message.fromQuery(shared.headers['location'] as string);
    assert.equal(m1.get(OPENID_NS, 'assoc_handle'), handle);
    assert.equal(m1.get(OPENID_NS, 'invalidate_handle'), undefined);
    const stale = await op.encodeResponse(
      (op.decodeRequest(checkid({ 'openid.assoc_handle': 'gone' })) as CheckIDRequest).answer(true),
    );
    const m2 = Message.fromQuery(stale.headers['location'] as string);
    assert.notEqual(m2.get(OPENID_NS, 'assoc_handle'), 'gone');
    assert.equal(m2.get(OPENID_NS, 'invalidate_handle'), 'gone');
  });

  test('identifier_select answers must name the identity', () => {
    const op = newOp();
    const r = op.decodeRequest(
      checkid({ 'openid.claimed_id': IDENTIFIER_SELECT, 'openid.identity': IDENTIFIER_SELECT }),
    ) as CheckIDRequest;
    assert.equal(r.idSelect(), true);
    assert.throws(() => r.answer(true), ProtocolError);
    const ok = r.answer(true, { identity: 'https://op.example/id/bob' });
    assert.equal(ok.fields.get(OPENID_NS, 'claimed_id'), 'https://op.example/id/bob');
  });

  test('refusals: cancel in setup mode, setup_needed in immediate mode', () => {
    const op = newOp();
    assert.equal(
      (op.decodeRequest(checkid()) as CheckIDRequest).answer(false).fields.get(OPENID_NS, 'mode'),
      'cancel',
    );
    assert.equal(
      (op.decodeRequest(checkid({ 'openid.mode': 'checkid_immediate' })) as CheckIDRequest)
        .answer(false)
        .fields.get(OPENID_NS, 'mode'),
      'setup_needed',
    );
  });

  test('an unknown mode is a key-value 400', () => {
    const op = newOp();
    try {
      op.decodeRequest({ 'openid.ns': OPENID2_NS, 'openid.mode': 'frobnicate' });
      assert.fail();
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      const web = op.encodeError(e);
      assert.equal(web.status, 400);
      assert.equal(kv(web.body).get(OPENID_NS, 'mode'), 'error');
    }
  });
});

describe('Provider: check_authentication', () => {
  async function stateless(op: Provider) {
    const web = await op.encodeResponse((op.decodeRequest(checkid()) as CheckIDRequest).answer(true));
    const m = Message.fromQuery(web.headers['location'] as string);
    const args: Record<string, string> = { ...m.toPostArgs(), 'openid.mode': 'check_authentication' };
    for (const k of Object.keys(args)) if (!k.startsWith('openid.')) delete args[k];
    return args;
  }
  const ask = async (op: Provider, args: Record<string, string>) => {
    const req = op.decodeRequest(args);
    assert.ok(req && req.mode === 'check_authentication');
    return kv((await op.encodeResponse(await op.handleRequest(req))).body).get(OPENID_NS, 'is_valid');
  };

  test('CA: a genuine private-association signature is valid once; the replay is not', async () => {
    const op = newOp();
    const args = await stateless(op);
    assert.equal(await ask(op, args), 'true');
    assert.equal(await ask(op, args), 'false');
  });

  test('CA: a tampered field is not valid', async () => {
    const op = newOp();
    const args = await stateless(op);
    assert.equal(
      await ask(op, {
        ...args,
        'openid.claimed_id': 'https://op.example/id/mallory',
        'openid.identity': 'https://op.example/id/mallory',
      }),
      'false',
    );
  });

  test('CA: a signature made with a shared association is never confirmed', async () => {
    const op = newOp();
    const { web } = await assocRequest(op, 'HMAC-SHA256', 'DH-SHA256');
    const handle = kv(web.body).get(OPENID_NS, 'assoc_handle') as string;
    const r = await op.encodeResponse(
      (op.decodeRequest(checkid({ 'openid.assoc_handle': handle })) as CheckIDRequest).answer(true),
    );
    const m = Message.fromQuery(r.headers['location'] as string);
    const args: Record<string, string> = { ...m.toPostArgs(), 'openid.mode': 'check_authentication' };
    delete args['sid'];
    assert.equal(await ask(op, args), 'false');
  });

  test('reports invalidate_handle for an unknown handle the RP asks about', async () => {
    const op = newOp();
    const args = { ...(await stateless(op)), 'openid.invalidate_handle': 'unknown-handle' };
    const req = op.decodeRequest(args);
    assert.ok(req && req.mode === 'check_authentication');
    const f = kv((await op.encodeResponse(await op.handleRequest(req))).body);
    assert.equal(f.get(OPENID_NS, 'invalidate_handle'), 'unknown-handle');
  });
});

describe('identity pages', () => {
  test('identity XRDS, OP identifier XRDS and HTML parse back into the advertised endpoints', () => {
    const id = 'https://op.example/id/alice';
    const fromXrds = discoverEndpointsFromXrds(id, identityPageXrds(EP, id));
    assert.deepEqual(
      fromXrds.map((e) => [e.version, e.opEndpoint, e.localId]),
      [
        ['2.0', EP, id],
        ['1.1', EP, id],
      ],
    );
    const op = discoverEndpointsFromXrds(null, opIdentifierXrds(EP));
    assert.equal(op[0]?.isOpIdentifier, true);
    const html = discoverEndpointsFromHtml(id, identityPageHtml({ opEndpoint: EP, localId: id }));
    assert.deepEqual(html.map((e) => e.version).sort(), ['1.1', '2.0']);
  });

  test('values are escaped in XRDS and HTML', () => {
    const evil = 'https://op.example/"><script>x</script>';
    assert.ok(!identityPageXrds(evil).includes('<script>'));
    assert.ok(!identityPageHtml({ opEndpoint: evil, title: '<b>' }).includes('<script>'));
  });
});
