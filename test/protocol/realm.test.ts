import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Realm, returnToMatchesAny } from '../../src/protocol/realm.js';

// Realm rules (spec §9.2, security cases RE-*, UR-*); the trustroot.txt vectors are in realm-vectors.test.ts.

const parse = (text: string): Realm => {
  const realm = Realm.parse(text);
  assert.ok(realm !== null, `${text} parses`);
  return realm;
};
const within = (realm: string, url: string) => parse(realm).validateUrl(url);

describe('Realm.parse', () => {
  test('exposes the canonical parts', () => {
    const realm = parse('HTTPS://*.Example.COM:8443/Path?a=b');
    assert.equal(realm.scheme, 'https');
    assert.equal(realm.host, 'example.com');
    assert.equal(realm.port, 8443);
    assert.equal(realm.path, '/Path');
    assert.equal(realm.query, 'a=b');
    assert.equal(realm.wildcard, true);
    assert.equal(realm.toString(), 'https://*.example.com:8443/Path?a=b');
  });

  test('applies default ports and the root path, and drops an empty query', () => {
    assert.equal(parse('http://foo.com').port, 80);
    assert.equal(parse('https://foo.com').port, 443);
    assert.equal(parse('http://foo.com:80').toString(), 'http://foo.com/');
    assert.equal(parse('https://foo.com:443/x?').toString(), 'https://foo.com/x');
    assert.equal(parse('http://*').toString(), 'http://*/');
  });

  test('refuses a fragment, even an empty one (spec §9.2, security case RE-06)', () => {
    assert.equal(Realm.parse('https://rp.example/#x'), null);
    assert.equal(Realm.parse('https://rp.example/#'), null);
  });

  test('refuses userinfo in the realm (security case RE-10)', () => {
    assert.equal(Realm.parse('https://user:pw@rp.example/'), null);
    assert.equal(Realm.parse('https://rp.example@evil.example/'), null);
    assert.equal(Realm.parse('https://@rp.example/'), null);
  });

  test('refuses a wildcard anywhere but the whole leftmost label (security case RE-05)', () => {
    for (const text of [
      'http://foo.*.com/',
      'http://*foo.com/',
      'http://www.*',
      'http://*.schtuff.*/',
      'http://**.foo.com/',
      'http://*.*.foo.com/',
      'http://*./',
      'http://foo.com*/',
      'http://＊.foo.com/',
    ]) {
      assert.equal(Realm.parse(text), null, text);
    }
  });

  test('refuses a wildcard over an IP address, and normalizes IPv4 forms (security case RE-11)', () => {
    assert.equal(Realm.parse('http://*.0.0.1/'), null);
    assert.equal(Realm.parse('http://*.127.0.0.1/'), null);
    assert.equal(Realm.parse('http://*.[::1]/'), null);
    assert.equal(parse('http://2130706433/').host, '127.0.0.1');
    assert.equal(parse('http://0x7f.1/').host, '127.0.0.1');
    assert.equal(parse('http://127.1/abc').toString(), 'http://127.0.0.1/abc');
    assert.equal(Realm.parse('http://1.2.3.999/'), null);
  });

  test('reads IPv6 literals but no zone identifiers', () => {
    assert.equal(parse('http://[0:0::1]:8080/').toString(), 'http://[::1]:8080/');
    assert.equal(Realm.parse('http://[fe80::1%25eth0]/'), null);
    assert.equal(Realm.parse('http://[::1/'), null);
    assert.equal(Realm.parse('http://[::1]x/'), null);
  });

  test('maps IDN and full-width hosts to canonical ASCII (security cases RE-12, UR-02)', () => {
    assert.equal(parse('https://ｅｘａｍｐｌｅ.com/').host, 'example.com');
    assert.equal(parse('https://*.Bücher.example/').toString(), 'https://*.xn--bcher-kva.example/');
    assert.equal(Realm.parse('http://xn--zz.com/'), null);
    assert.equal(Realm.parse('http://a\u200b.com/')?.host ?? null, 'a.com');
    assert.equal(Realm.parse('http://\u200b.com/'), null);
  });

  test('drops one trailing dot of a host (security case UR-04)', () => {
    assert.equal(parse('http://*.schtuff.com./').toString(), 'http://*.schtuff.com/');
    assert.equal(parse('http://www.schtuff.com./').host, 'www.schtuff.com');
  });

  test('refuses backslashes, whitespace and control characters anywhere (security case UR-03, UR-06)', () => {
    for (const text of [
      'https://rp.example\\@evil.example/',
      'https://rp.example/a\\b',
      'https://rp.example/ ',
      ' https://rp.example/',
      'https://rp.example/\n',
      'https://rp.exa\tmple/',
      'https://rp.example/\r',
      'https://rp.example/\0',
      'https://rp.example/\x7f',
      'https://rp.example/\u0085',
      'https://rp.example/\u00a0',
      'https://rp.example/\u2028',
    ]) {
      assert.equal(Realm.parse(text), null, JSON.stringify(text));
    }
  });

  test('refuses bad ports', () => {
    for (const port of ['0', '65536', '99999', '', '-1', '+80', '80a', '1e3', '123456']) {
      assert.equal(Realm.parse(`http://foo.com:${port}/`), null, port);
    }
    assert.equal(parse('http://foo.com:65535/').port, 65535);
    assert.equal(parse('http://foo.com:080/').port, 80);
  });

  test('refuses other schemes, relative and scheme-less text', () => {
    for (const text of [
      'ftp://foo.com/',
      'javascript://foo.com/',
      'file:///etc/passwd',
      '//foo.com/',
      'http:/foo.com/',
      'http:foo.com',
      'foo.com',
    ]) {
      assert.equal(Realm.parse(text), null, text);
    }
  });

  test('refuses hosts with characters no DNS name has', () => {
    for (const host of [
      'fo%6F.com',
      'foo!.com',
      'foo$.com',
      "fo'o.com",
      'foo,bar.com',
      'foo"bar.com',
      'a<b.com',
    ]) {
      assert.equal(Realm.parse(`http://${host}/`), null, host);
    }
  });

  test('refuses bad percent-escapes and lone surrogates', () => {
    assert.equal(Realm.parse('http://foo.com/%zz'), null);
    assert.equal(Realm.parse('http://foo.com/%4'), null);
    assert.equal(Realm.parse('http://foo.com/\ud800'), null);
  });

  test('refuses text longer than 16 KiB', () => {
    assert.equal(Realm.parse(`http://foo.com/${'a'.repeat(16 * 1024)}`), null);
  });

  test('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (tail) => {
        for (const text of [tail, `http://${tail}`, `https://*.${tail}`]) {
          const realm = Realm.parse(text);
          if (realm !== null) {
            realm.isSane();
            realm.validateUrl(text);
            // The canonical form reads back as the same realm.
            assert.equal(Realm.parse(realm.toString())?.toString(), realm.toString());
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Realm.validateUrl', () => {
  test('matches on a label boundary only (security case RE-03)', () => {
    assert.equal(within('https://*.rp.example/', 'https://evilrp.example/'), false);
    assert.equal(within('https://*.rp.example/', 'https://rp.example.evil.example/'), false);
    assert.equal(within('https://rp.example/', 'https://www.rp.example/'), false);
  });

  test('a wildcard covers the bare domain and deeper subdomains (security case RE-04)', () => {
    assert.equal(within('https://*.rp.example/', 'https://rp.example/'), true);
    assert.equal(within('https://*.rp.example/', 'https://a.b.rp.example/'), true);
  });

  test('compares scheme and port after applying defaults (security case RE-07)', () => {
    assert.equal(within('https://foo.com', 'https://foo.com:443/x'), true);
    assert.equal(within('https://foo.com', 'http://foo.com:443/x'), false);
    assert.equal(within('http://*:8080/', 'http://foo.com/'), false);
  });

  test('a path matches only at a segment boundary (security case RE-08)', () => {
    assert.equal(within('http://x.com/abc', 'http://x.com/abc/def'), true);
    assert.equal(within('http://x.com/abc/', 'http://x.com/abc/def'), true);
    assert.equal(within('http://x.com/abc', 'http://x.com/abcd'), false);
    assert.equal(within('http://x.com/abc/', 'http://x.com/abc'), false);
  });

  test('a realm query matches only when the URL query extends it at an & (security case RE-09)', () => {
    assert.equal(within('http://foo.com/?a=b', 'http://foo.com/?a=b&x=y'), true);
    assert.equal(within('http://foo.com/?a=b', 'http://foo.com/?a=bc'), false);
    assert.equal(within('http://foo.com/?a=b', 'http://foo.com/?x=y&a=b'), false);
  });

  test('compares paths after dot-segment removal, as the browser will resolve them', () => {
    assert.equal(within('https://rp.example/app/', 'https://rp.example/app/../admin/'), false);
    assert.equal(within('https://rp.example/app/', 'https://rp.example/app/%2e%2e/admin/'), false);
    assert.equal(within('https://rp.example/app/', 'https://rp.example/app/.%2E/admin/'), false);
    assert.equal(within('https://rp.example/app/', 'https://rp.example/app/./return'), true);
    assert.equal(within('https://rp.example/app/', 'https://rp.example/other/../app/return'), true);
  });

  test('compares percent-escapes in normalized form', () => {
    assert.equal(within('http://x.com/%7Euser/', 'http://x.com/~user/return'), true);
    assert.equal(within('http://x.com/a%2fb/', 'http://x.com/a%2Fb/c'), true);
    assert.equal(within('http://x.com/a%2Fb/', 'http://x.com/a/b/c'), false);
  });

  test('never matches a return_to with userinfo, backslash, fragment or whitespace (RE-10, UR-03)', () => {
    assert.equal(within('https://rp.example/', 'https://rp.example@evil.example/'), false);
    assert.equal(within('https://rp.example/', 'https://evil.example@rp.example/'), false);
    assert.equal(within('https://rp.example/', 'https://rp.example\\@evil.example/'), false);
    assert.equal(within('https://rp.example/', 'https://rp.example/app\\..\\admin'), false);
    assert.equal(within('https://rp.example/', 'https://rp.example/return#x'), false);
    assert.equal(within('https://rp.example/', 'https://rp.example/re turn'), false);
    assert.equal(within('https://rp.example/', '/return'), false);
  });

  test('compares IP hosts exactly, in canonical form (security case RE-11)', () => {
    assert.equal(within('http://10.0.0.1/abc', 'http://10.0.0.2/abc'), false);
    assert.equal(within('http://127.1/abc', 'http://127.0.0.1/abc/x'), true);
    assert.equal(Realm.parse('http://*.0.1/'), null);
  });

  test('compares IDN hosts in ASCII form and keeps homographs apart (security case UR-01)', () => {
    const cyrillicI = 'steamcommun\u0456ty.com';
    assert.equal(within(`https://${cyrillicI}/`, 'https://steamcommunity.com/openid'), false);
    assert.equal(within('https://steamcommunity.com/', `https://${cyrillicI}/openid`), false);
    assert.equal(within('https://*.bücher.example/', 'https://shop.xn--bcher-kva.example/'), true);
  });

  test('treats a trailing dot on either side as the same host', () => {
    assert.equal(within('http://*.schtuff.com./', 'http://www.schtuff.com/'), true);
    assert.equal(within('http://www.schtuff.com/', 'http://www.schtuff.com./x'), true);
  });

  test('a wildcard realm matches exactly the hosts that end with "." + its host', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,10}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), label, (sub, other) => {
        const base = 'rp.example';
        const realm = parse(`https://*.${base}/`);
        assert.equal(realm.validateUrl(`https://${sub.join('.')}.${base}/x`), true);
        assert.equal(realm.validateUrl(`https://${other}${base}/x`), false);
        assert.equal(realm.validateUrl(`https://${base}.${other}/x`), other === base);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Realm.isSane', () => {
  test('finds a realm under a reserved test TLD, an IP literal or localhost sane', () => {
    for (const text of [
      'https://rp.example/',
      'https://*.rp.example/',
      'http://app.test/',
      'http://foo.localhost/',
      'http://localhost/',
      'http://127.0.0.1:8080/',
      'http://[::1]/',
      'https://*.bar.co.uk/',
      'https://*.kink.fm/',
    ]) {
      assert.equal(parse(text).isSane(), true, text);
    }
  });

  test('finds overly general realms insane (security cases RE-01, RE-02)', () => {
    for (const text of [
      'http://*/',
      'https://*.com/',
      'https://*.co.uk/',
      'https://*.com.au/',
      'https://*.example/',
      'http://*.localhost/',
      'https://*.museum/',
      'https://com/',
      'https://*.foo.notatld/',
      'https://rp.invalid/',
    ]) {
      assert.equal(parse(text).isSane(), false, text);
    }
  });
});

describe('Realm.toString and discoveryUrl', () => {
  test('toString keeps scheme, port and wildcard, so remembered approvals are not shared (RE-16)', () => {
    assert.notEqual(parse('https://*.rp.example/').toString(), parse('http://*.rp.example/').toString());
    assert.notEqual(parse('https://rp.example:8443/').toString(), parse('https://rp.example/').toString());
    assert.equal(parse('HTTP://Foo.COM:80/a/./b/../c').toString(), 'http://foo.com/a/c');
  });

  test('discoveryUrl replaces the wildcard with www (spec §9.2.1)', () => {
    assert.equal(parse('https://*.rp.example/login?x=1').discoveryUrl(), 'https://www.rp.example/login?x=1');
    assert.equal(parse('https://rp.example:8443/').discoveryUrl(), 'https://rp.example:8443/');
    assert.equal(parse('http://*:8081/').discoveryUrl(), 'http://www:8081/');
  });
});

describe('returnToMatchesAny (relying-party discovery, spec §9.2.1)', () => {
  test('accepts a return_to within one of the advertised return_to URLs', () => {
    const advertised = ['https://rp.example/other', 'https://rp.example/return'];
    assert.equal(returnToMatchesAny(advertised, 'https://rp.example/return'), true);
    assert.equal(returnToMatchesAny(advertised, 'https://rp.example/return?state=1'), true);
    assert.equal(returnToMatchesAny(advertised, 'https://rp.example/return/x'), true);
  });

  test('refuses a return_to no advertised URL covers', () => {
    assert.equal(returnToMatchesAny(['https://rp.example/return'], 'https://rp.example/returned'), false);
    assert.equal(returnToMatchesAny(['https://rp.example/return'], 'http://rp.example/return'), false);
    assert.equal(returnToMatchesAny([], 'https://rp.example/return'), false);
  });

  test('ignores advertised URLs that carry a wildcard or do not parse', () => {
    assert.equal(returnToMatchesAny(['https://*.rp.example/'], 'https://www.rp.example/return'), false);
    assert.equal(returnToMatchesAny(['not a url', 'https://rp.example/#x'], 'https://rp.example/'), false);
  });
});
