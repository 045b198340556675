/**
 * Security cases RE-01 … RE-16 (docs/security-cases.md §11) at the
 * provider, over real HTTP on 127.0.0.1: realm and return_to pairs sent to
 * this package's Provider, and relying-party discovery (§9.2.1, §13) against
 * a realm server. The realm grammar itself has unit tests with the
 * python-openid vectors in test/protocol/realm*.test.ts (RE-01 … RE-12, RE-16).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { rpReturnToXrds } from '../../src/op/identity-pages.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { Realm } from '../../src/protocol/realm.js';
import { startServer, type TestServer } from '../discovery/helpers/server.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { checkidFields, opGet, redirectFields, type WireAnswer } from './op-wire.js';

let ps: ProviderServer;
/** What the app saw of each request that reached it. */
let seen: { realm: string; trustRootValid: boolean; returnToVerified: boolean }[] = [];

before(async () => {
  ps = await startProviderServer();
});
after(() => ps.close());
beforeEach(() => {
  seen = [];
  ps.decision = async (request) => {
    seen.push({
      realm: request.realm,
      trustRootValid: request.trustRootValid(),
      returnToVerified: await request.returnToVerified(),
    });
    return request.answer(true);
  };
});

const pair = (realm: string, returnTo: string) =>
  opGet(ps, checkidFields(ps, { 'openid.realm': realm, 'openid.return_to': returnTo }));

/** Refused before the app is asked: a 400 page, no redirect, no assertion. */
function refused(a: WireAnswer): void {
  assert.equal(a.status, 400, `expected 400, got ${a.status} ${a.location ?? ''}`);
  assert.equal(a.location, null);
}

describe('RE: realm and return_to pairs at the provider', () => {
  for (const realm of [
    'http://*.com/',
    'https://*.com/',
    'http://*.co.uk/',
    'http://*/',
    'https://*/',
    'http://*.com.au/',
    'http://*.museum/',
  ]) {
    test(`RE-01/RE-02 ${realm} reaches the app flagged insane (trustRootValid false), never auto-approvable`, async () => {
      const back = redirectFields(await pair(realm, realm.replace('*', 'www')));
      assert.equal(back.get(OPENID_NS, 'mode'), 'id_res'); // the app in this test allows anyway
      assert.deepEqual(
        seen.map((s) => s.trustRootValid),
        [false],
      );
    });
  }

  test('RE-01 control: a sane wildcard realm is trustRootValid', async () => {
    await pair('https://*.rp.example/', 'https://www.rp.example/return');
    assert.deepEqual(
      seen.map((s) => s.trustRootValid),
      [true],
    );
  });

  test('RE-03 a wildcard realm does not cover a host that only ends with its text', async () => {
    refused(await pair('https://*.rp.example/', 'https://evilrp.example/return'));
    refused(await pair('https://*.rp.example/', 'https://rp.example.evil.example/return'));
    assert.equal(seen.length, 0);
  });

  test('RE-04 a wildcard realm covers the bare domain and deeper subdomains', async () => {
    for (const rt of ['https://rp.example/return', 'https://a.b.rp.example/return']) {
      const back = redirectFields(await pair('https://*.rp.example/', rt));
      assert.equal(back.get(OPENID_NS, 'return_to'), rt);
    }
    assert.equal(seen.length, 2);
  });

  for (const realm of ['http://foo.*.com/', 'http://*foo.com/', 'http://www.*/', 'http://*.schtuff.*/']) {
    test(`RE-05 refuses the realm ${realm}`, async () => {
      refused(await pair(realm, 'http://www.foo.com/'));
      assert.equal(seen.length, 0);
    });
  }

  test('RE-06 refuses a realm with a fragment', async () => {
    refused(await pair('https://rp.example/#x', 'https://rp.example/return'));
  });

  for (const [realm, returnTo] of [
    ['http://foo.com:81/', 'http://foo.com:80/'],
    ['https://foo.com/', 'http://foo.com/'],
    ['https://foo.com/', 'https://foo.com:80/'],
  ] as const) {
    test(`RE-07 ${realm} does not cover ${returnTo} (scheme and port must be identical)`, async () => {
      refused(await pair(realm, returnTo));
    });
  }

  test('RE-08 a realm path covers itself and its sub-paths, not a longer sibling', async () => {
    refused(await pair('http://x.com/abc', 'http://x.com/abcd'));
    refused(await pair('http://x.com/abc', 'http://x.com/ab'));
    const back = redirectFields(await pair('http://x.com/abc', 'http://x.com/abc/def'));
    assert.equal(back.get(OPENID_NS, 'mode'), 'id_res');
  });

  test('RE-09 a realm query is matched at an & boundary only', async () => {
    refused(await pair('http://foo.com/?a=b', 'http://foo.com/?x=y&a=b'));
    refused(await pair('http://foo.com/?a=b', 'http://foo.com/?a=bc'));
  });

  test('RE-10 refuses userinfo in the realm, and a return_to whose host is after an @', async () => {
    refused(await pair('https://user:pw@rp.example/', 'https://rp.example/return'));
    refused(await pair('https://rp.example/', 'https://rp.example@evil.example/return'));
  });

  test('RE-11 no wildcard over an IP; IP realms match the same address only, in canonical form', async () => {
    refused(await pair('http://*.0.0.1/', 'http://127.0.0.1/'));
    refused(await pair('http://10.0.0.1/abc', 'http://10.0.0.2/abc'));
    const back = redirectFields(await pair('http://10.0.0.1/abc', 'http://0x0a.0.0.1/abc/x'));
    assert.equal(back.get(OPENID_NS, 'mode'), 'id_res');
  });

  test('RE-13 a request with neither return_to nor realm is refused with a page', async () => {
    const fields = checkidFields(ps);
    delete fields['openid.return_to'];
    delete fields['openid.realm'];
    refused(await opGet(ps, fields));
    assert.equal(seen.length, 0);
  });

  test('RE-13 a realm without return_to can be decided, but never answered with an assertion', async () => {
    const fields = checkidFields(ps);
    delete fields['openid.return_to'];
    const a = await opGet(ps, fields);
    assert.ok(a.status >= 400 && a.status < 500, String(a.status));
    assert.equal(a.location, null);
    assert.doesNotMatch(a.body, /openid\.sig/);
  });

  test('RE-16 the realm the app keys remembered approvals on keeps scheme, port and wildcard', async () => {
    await pair('https://*.rp.example/', 'https://x.rp.example/return');
    await pair('http://*.rp.example/', 'http://x.rp.example/return');
    await pair('https://*.rp.example:8443/', 'https://x.rp.example:8443/return');
    const keys = seen.map((s) => Realm.parse(s.realm)?.toString());
    assert.equal(new Set(keys).size, 3, JSON.stringify(keys));
  });
});

describe('RE: relying-party discovery at the provider (realm server over HTTP)', () => {
  let rpSite: TestServer;
  before(async () => {
    rpSite = await startServer((req, res, base) => {
      const path = (req.url ?? '/').split('?')[0];
      const xrds = (urls: string[]) => {
        res.writeHead(200, { 'content-type': 'application/xrds+xml' });
        res.end(rpReturnToXrds(urls));
      };
      if (path === '/good/') return xrds([`${base}/good/return`]);
      if (path === '/other/') return xrds([`${base}/other/elsewhere`]);
      if (path === '/moved/') {
        res.writeHead(302, { location: `${base}/moved-xrds` });
        return res.end();
      }
      if (path === '/moved-xrds') return xrds([`${base}/moved/return`]);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><head><title>no xrds</title></head></html>');
    });
  });
  after(() => rpSite.close());

  const verified = async (dir: string, returnPath = 'return') => {
    await pair(`${rpSite.base}/${dir}/`, `${rpSite.base}/${dir}/${returnPath}`);
    assert.equal(seen.length, 1);
    return (seen[0] as { returnToVerified: boolean }).returnToVerified;
  };

  test('RE-14 control: a return_to the realm advertises is verified', async () => {
    assert.equal(await verified('good'), true);
  });

  test('RE-14 a return_to the realm does not advertise is not verified', async () => {
    assert.equal(await verified('other'), false);
  });

  test('RE-14 a realm whose discovery document redirects is not verified', async () => {
    assert.equal(await verified('moved'), false);
    assert.ok(rpSite.seen.includes('/moved/'));
  });

  test('RE-14 a realm without an XRDS is not verified', async () => {
    assert.equal(await verified('plain'), false);
  });

  test('RE-15 with the default fetcher, a realm on a private address is never fetched', async () => {
    const guarded = await startProviderServer({ fetch: {} });
    const internal = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' });
      res.end(rpReturnToXrds([]));
    });
    const results: boolean[] = [];
    guarded.decision = async (request) => {
      results.push(await request.returnToVerified());
      return request.answer(false);
    };
    try {
      for (const realm of [
        `${internal.base}/`,
        'http://169.254.169.254/',
        'http://localhost:6379/',
        'http://[::1]:6379/',
      ]) {
        const url = new URL(guarded.endpoint);
        for (const [k, v] of Object.entries(
          checkidFields(guarded, { 'openid.realm': realm, 'openid.return_to': `${realm}return` }),
        ))
          url.searchParams.set(k, v);
        await (await fetch(url, { redirect: 'manual' })).text();
      }
      assert.deepEqual(results, [false, false, false, false]);
      assert.deepEqual(internal.seen, [], 'the internal server was never contacted');
    } finally {
      await guarded.close();
      await internal.close();
    }
  });
});
