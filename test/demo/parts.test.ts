import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  checkCsrf,
  csrfToken,
  serializeCookie,
  signCookieValue,
  verifyCookieValue,
} from '../../demo/cookies.js';
import { hashPassword, verifyPassword } from '../../demo/passwords.js';
import { cookieValues } from '../../src/adapters/cookie-header.js';

describe('demo passwords (scrypt)', () => {
  test('a hash verifies its password and no other', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', h), true);
    assert.equal(await verifyPassword('correct horsf', h), false);
  });

  test('two hashes of one password differ (random salt)', async () => {
    assert.notEqual(await hashPassword('x'), await hashPassword('x'));
  });

  test('malformed or hostile stored hashes are false, not a throw or a huge allocation', async () => {
    for (const bad of [
      '',
      'scrypt$',
      'md5$x',
      'scrypt$99999999$8$1$AA$AA',
      'scrypt$16384$8$1$AA$AA',
      'scrypt$a$b$c$d$e',
    ]) {
      assert.equal(await verifyPassword('x', bad), false, bad);
    }
  });
});

describe('demo cookies and CSRF', () => {
  const secret = randomBytes(32);
  test('a signed cookie value verifies only under its own name and unaltered', () => {
    const v = signCookieValue(secret, 'sid', 'abc');
    assert.equal(verifyCookieValue(secret, 'sid', v), 'abc');
    assert.equal(verifyCookieValue(secret, 'other', v), null);
    assert.equal(verifyCookieValue(secret, 'sid', v.replace('abc', 'abd')), null);
    assert.equal(verifyCookieValue(secret, 'sid', 'abc'), null);
    assert.equal(verifyCookieValue(randomBytes(32), 'sid', v), null);
  });

  test('cookie headers are read by the package parser: every value kept in order, broken parts skipped', () => {
    assert.deepEqual(cookieValues('a=1; b=%E2%82%AC; broken; =x; a=2', 'a'), ['1', '2']);
    assert.deepEqual(cookieValues('a=1; b=%E2%82%AC', 'b'), ['%E2%82%AC']);
  });

  test('cookies are HttpOnly and SameSite=Lax, Secure when asked', () => {
    assert.equal(serializeCookie('s', 'v w'), 's=v%20w; Path=/; HttpOnly; SameSite=Lax');
    assert.match(serializeCookie('s', 'v', { secure: true, maxAgeSeconds: 60 }), /Max-Age=60; Secure$/);
  });

  test('a CSRF token belongs to one session', () => {
    const t = csrfToken(secret, 'session-1');
    assert.equal(checkCsrf(secret, 'session-1', t), true);
    assert.equal(checkCsrf(secret, 'session-2', t), false);
    assert.equal(checkCsrf(secret, 'session-1', undefined), false);
    assert.equal(checkCsrf(secret, 'session-1', `${t}x`), false);
  });
});

describe('demo layout', async () => {
  const { h, page, raw } = await import('../../demo/layout.js');
  test('h escapes every interpolated value but raw()', () => {
    const evil = '<script>alert(1)</script>"\'&';
    assert.equal(h`<p>${evil}</p>`.html, '<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;</p>');
    assert.equal(h`<p>${raw('<b>ok</b>')}</p>`.html, '<p><b>ok</b></p>');
    assert.equal(h`<p>${[1, '<', null]}</p>`.html, '<p>1&lt;</p>');
  });
  test('page escapes its title and nav labels', () => {
    const html = page('<t>', h`x`, [['/a?b="c"', '<nav>']]);
    assert.ok(!html.includes('<t>') && !html.includes('<nav>'));
    assert.ok(html.includes('href="/a?b=&quot;c&quot;"'));
  });
});

describe('demo accounts (SQLite)', async () => {
  const { DemoAccounts } = await import('../../demo/accounts.js');
  test('sign-up, sign-in, trusted realms', async () => {
    const a = new DemoAccounts(':memory:');
    const profile = { fullname: 'Alice A', email: 'alice@example.org', nickname: 'alice' };
    assert.equal(await a.create('alice', 'password-1', profile), true);
    assert.equal(await a.create('alice', 'password-2', profile), false);
    assert.equal(await a.authenticate('alice', 'password-2'), null);
    assert.equal((await a.authenticate('alice', 'password-1'))?.email, 'alice@example.org');
    assert.equal(await a.authenticate('nobody', 'password-1'), null);
    assert.equal(a.isTrusted('alice', 'http://rp.example/'), false);
    a.trust('alice', 'http://rp.example/');
    assert.equal(a.isTrusted('alice', 'http://rp.example/'), true);
    await assert.rejects(() => a.create('../evil', 'password-1', profile), /username must be/);
    await assert.rejects(() => a.create('bob', 'short', profile), /password must be 8/);
    a.close();
  });
});

describe('demo accounts (memory)', async () => {
  const { MemoryDemoAccounts } = await import('../../demo/accounts.js');
  test('sign-up, sign-in, trusted realms, with the same rules as SQLite', async () => {
    const a = new MemoryDemoAccounts();
    const profile = { fullname: 'Alice A', email: 'alice@example.org', nickname: 'alice' };
    assert.equal(await a.create('alice', 'password-1', profile), true);
    assert.equal(await a.create('alice', 'password-2', profile), false);
    assert.equal(await a.authenticate('alice', 'password-2'), null);
    assert.deepEqual(await a.authenticate('alice', 'password-1'), { username: 'alice', ...profile });
    assert.equal(await a.authenticate('nobody', 'password-1'), null);
    assert.equal(a.isTrusted('alice', 'http://rp.example/'), false);
    a.trust('alice', 'http://rp.example/');
    assert.equal(a.isTrusted('alice', 'http://rp.example/'), true);
    assert.equal(a.isTrusted('alice', 'http://other.example/'), false);
    await assert.rejects(() => a.create('../evil', 'password-1', profile), /username must be/);
    await assert.rejects(() => a.create('bob', 'short', profile), /password must be/);
    assert.equal(a.get('bob'), null);
    a.close();
  });

  test('two sign-ups of one name at once create it once', async () => {
    const a = new MemoryDemoAccounts();
    const profile = { fullname: 'B', email: 'b@example.org', nickname: 'b' };
    const both = await Promise.all([
      a.create('bob', 'password-1', profile),
      a.create('bob', 'password-2', profile),
    ]);
    assert.deepEqual(both.sort(), [false, true]);
  });
});
