import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  OPENID1_0_NS,
  OPENID1_NS,
  OPENID2_NS,
  SREG_1_0_NS,
  SREG_1_1_NS,
} from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { BARE_NS, escapeHtml, Message, OPENID_NS } from '../../src/protocol/message.js';

const AX = 'http://openid.net/srv/ax/1.0';
const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;

describe('Message: namespace detection', () => {
  test('openid.ns of 2.0 makes an OpenID 2.0 message', () => {
    const m = Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.mode': 'id_res' });
    assert.equal(m.version, '2.0');
    assert.ok(m.isOpenID2());
    assert.equal(m.mode, 'id_res');
    assert.equal(m.hasImplicitNamespace, false);
  });

  test('a missing openid.ns means OpenID 1.1, implicitly', () => {
    const m = Message.fromPostArgs({ 'openid.mode': 'id_res' });
    assert.equal(m.version, '1.1');
    assert.equal(m.namespace, OPENID1_NS);
    assert.ok(m.isOpenID1());
    assert.equal(m.hasImplicitNamespace, true);
  });

  test('the 1.1 and 1.0 namespace URIs are OpenID 1', () => {
    assert.equal(Message.fromPostArgs({ 'openid.ns': OPENID1_NS }).version, '1.1');
    assert.equal(Message.fromPostArgs({ 'openid.ns': OPENID1_0_NS }).version, '1.0');
  });

  test('any other openid.ns is refused', () => {
    assert.throws(() => Message.fromPostArgs({ 'openid.ns': 'http://evil.example/' }), code('ns_invalid'));
    assert.throws(() => Message.fromPostArgs({ 'openid.ns': '' }), code('ns_invalid'));
  });
});

describe('Message: extension namespaces', () => {
  test('reads extension values through the alias the message declares', () => {
    const m = Message.fromPostArgs({
      'openid.ns': OPENID2_NS,
      'openid.ns.foo': AX,
      'openid.foo.mode': 'fetch_response',
      'openid.foo.value.email': 'a@b.example',
    });
    assert.equal(m.aliasOf(AX), 'foo');
    assert.equal(m.uriOf('foo'), AX);
    assert.equal(m.get(AX, 'mode'), 'fetch_response');
    assert.deepEqual({ ...m.getArgs(AX) }, { mode: 'fetch_response', 'value.email': 'a@b.example' });
    // Namespace declarations are metadata, not fields of the OpenID namespace.
    assert.deepEqual({ ...m.getArgs(OPENID_NS) }, {});
  });

  test('OpenID 1 messages know the sreg alias without a declaration', () => {
    const m = Message.fromPostArgs({ 'openid.mode': 'id_res', 'openid.sreg.email': 'a@b.example' });
    assert.equal(m.get(SREG_1_0_NS, 'email'), 'a@b.example');
    assert.equal(m.getArgs(OPENID_NS)['sreg.email'], undefined);
  });

  test('OpenID 2 messages do not: an undeclared alias is an ordinary openid field', () => {
    const m = Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.sreg.email': 'a@b.example' });
    assert.equal(m.get(SREG_1_0_NS, 'email'), undefined);
    assert.equal(m.get(OPENID_NS, 'sreg.email'), 'a@b.example');
  });

  test('refuses one URI bound to two aliases', () => {
    assert.throws(
      () => Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.ns.a': AX, 'openid.ns.b': AX }),
      code('ns_alias_conflict'),
    );
  });

  test('refuses reserved aliases, aliases with a period, and aliases naming the OpenID namespace', () => {
    for (const bad of ['mode', 'ns', 'sig', 'identity', 'a.b']) {
      assert.throws(
        () => Message.fromPostArgs({ 'openid.ns': OPENID2_NS, [`openid.ns.${bad}`]: AX }),
        code('ns_alias_invalid'),
        bad,
      );
    }
    assert.throws(
      () => Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.ns.x': OPENID2_NS }),
      code('ns_alias_invalid'),
    );
    assert.throws(
      () => Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.ns.x': '' }),
      code('ns_alias_invalid'),
    );
  });

  test('binds a fresh alias (preferred, else extN) and declares it in OpenID 2', () => {
    const m = Message.create('2.0');
    assert.equal(m.ensureNamespace(AX, 'ax'), 'ax');
    assert.equal(m.ensureNamespace('urn:x', 'ax'), 'ext0');
    assert.equal(m.ensureNamespace('urn:y'), 'ext1');
    m.set(AX, 'mode', 'fetch_request');
    const args = m.toPostArgs();
    assert.equal(args['openid.ns.ax'], AX);
    assert.equal(args['openid.ns.ext0'], 'urn:x');
    assert.equal(args['openid.ax.mode'], 'fetch_request');
  });

  test('OpenID 1 messages write sreg without a declaration', () => {
    const m = Message.create('1.1');
    m.declareNamespace(SREG_1_1_NS, 'sreg');
    m.set(SREG_1_1_NS, 'nickname', 'bob');
    assert.deepEqual({ ...m.toPostArgs() }, { 'openid.sreg.nickname': 'bob' });
    assert.equal(Message.fromPostArgs(m.toPostArgs()).get(SREG_1_0_NS, 'nickname'), 'bob');
  });
});

describe('Message: hostile input', () => {
  test('refuses a repeated argument (openid.ns twice, alias redefinition)', () => {
    assert.throws(
      () => Message.fromPostArgs(new URLSearchParams('openid.ns=a&openid.ns=b')),
      code('malformed_message'),
    );
    assert.throws(
      () =>
        Message.fromPostArgs([
          ['openid.ns', OPENID2_NS],
          ['openid.ns.a', AX],
          ['openid.ns.a', 'urn:other'],
        ]),
      code('malformed_message'),
    );
  });

  test('refuses array and object values made by framework parsers', () => {
    assert.throws(() => Message.fromPostArgs({ 'openid.sig': ['a', 'b'] }), code('malformed_message'));
    assert.throws(() => Message.fromPostArgs({ 'openid.claimed_id': { 0: 'x' } }), code('malformed_message'));
    assert.throws(() => Message.fromPostArgs({ 'openid.mode': 5 }), code('malformed_message'));
  });

  test('refuses NUL anywhere and newlines in openid values', () => {
    assert.throws(() => Message.fromPostArgs({ 'openid.mode': 'id_res\0' }), code('malformed_message'));
    assert.throws(() => Message.fromPostArgs({ 'x\0': 'y' }), code('malformed_message'));
    assert.throws(() => Message.fromPostArgs({ 'openid.mode': 'id_res\nx:y' }), code('malformed_message'));
    // The relying party's own parameters may hold anything but NUL.
    assert.equal(Message.fromPostArgs({ note: 'a\nb' }).get(BARE_NS, 'note'), 'a\nb');
  });

  test('refuses messages past the limits with message_too_large', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`openid.k${i}`, 'v']));
    assert.throws(() => Message.fromPostArgs(many, { maxArgs: 10 }), code('message_too_large'));
    assert.throws(
      () => Message.fromPostArgs({ ['openid.'.padEnd(300, 'k')]: 'v' }),
      code('message_too_large'),
    );
    assert.throws(
      () => Message.fromPostArgs({ 'openid.mode': 'x'.repeat(70_000) }),
      code('message_too_large'),
    );
    assert.throws(
      () => Message.fromPostArgs({ a: 'x'.repeat(60), b: 'y'.repeat(60) }, { maxTotalLength: 100 }),
      code('message_too_large'),
    );
  });

  test('refuses a query that is not a URL', () => {
    assert.throws(() => Message.fromQuery('not a url'), code('malformed_message'));
  });

  test('keeps __proto__ as a plain argument', () => {
    const m = Message.fromPostArgs(new URLSearchParams('__proto__=x&openid.__proto__=y'));
    assert.equal(m.get(BARE_NS, '__proto__'), 'x');
    assert.equal(m.get(OPENID_NS, '__proto__'), 'y');
    assert.equal(m.toPostArgs()['__proto__'], 'x');
  });
});

describe('Message: encodings', () => {
  const sample = () =>
    Message.create('2.0')
      .set(OPENID_NS, 'mode', 'id_res')
      .set(OPENID_NS, 'return_to', 'https://rp.example/r?a=1&b=2')
      .set(AX, 'mode', 'fetch_response')
      .set(AX, 'value.name', 'Zoë & <friends> "quoted" \'single\'');

  test('toURL keeps the base query and adds the arguments; fromQuery reads it back', () => {
    const url = sample().toURL('https://rp.example/return?sid=S&x=%2B');
    const parsed = new URL(url);
    assert.equal(parsed.searchParams.get('sid'), 'S');
    assert.equal(parsed.searchParams.get('x'), '+');
    const back = Message.fromQuery(url);
    assert.equal(back.get(AX, 'value.name'), 'Zoë & <friends> "quoted" \'single\'');
    assert.equal(back.get(BARE_NS, 'sid'), 'S');
  });

  test('toURL replaces parameters of the base that the message sets itself', () => {
    const url = Message.create('2.0')
      .set(OPENID_NS, 'mode', 'cancel')
      .toURL('https://rp.example/?openid.mode=id_res');
    assert.deepEqual(new URL(url).searchParams.getAll('openid.mode'), ['cancel']);
  });

  test('toKVForm and fromKVForm round-trip the openid arguments', () => {
    const m = sample();
    const back = Message.fromKVForm(m.toKVForm());
    assert.deepEqual({ ...back.toPostArgs() }, { ...m.toPostArgs() });
  });

  test('fromKVForm refuses malformed key-value form', () => {
    assert.throws(() => Message.fromKVForm('mode:error\nbroken\n'), code('kvform_invalid'));
  });

  test('toFormHtml escapes every value and the action', () => {
    const m = Message.create('2.0').set(OPENID_NS, 'return_to', '"><script>alert(1)</script>');
    const html = m.toFormHtml('https://op.example/"><img src=x onerror=alert(1)>');
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(!html.includes('<img src=x'));
    assert.ok(html.includes(escapeHtml('"><script>alert(1)</script>')));
    assert.match(html, /method="post"/);
  });

  test('round-trips through post args, URL and key-value form (property)', () => {
    const text = fc.string({ maxLength: 30 }).filter((s) => !/[\0\r\n]/.test(s));
    const key = fc.stringMatching(/^[a-z_]{1,10}(\.[a-z_]{1,8})?$/).filter((k) => !k.startsWith('ns'));
    fc.assert(
      fc.property(
        fc.constantFrom<'2.0' | '1.1'>('2.0', '1.1'),
        fc.dictionary(key, text, { maxKeys: 10 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), text, { maxKeys: 4 }),
        (version, openidArgs, extArgs) => {
          const m = Message.create(version);
          for (const [k, v] of Object.entries(openidArgs)) m.set(OPENID_NS, k, v);
          if (version === '2.0') for (const [k, v] of Object.entries(extArgs)) m.set(AX, k, v);
          const post = { ...m.toPostArgs() };
          assert.deepEqual({ ...Message.fromPostArgs(post).toPostArgs() }, post);
          assert.deepEqual({ ...Message.fromQuery(m.toURL('https://x.example/p')).toPostArgs() }, post);
          assert.deepEqual({ ...Message.fromKVForm(m.toKVForm()).toPostArgs() }, post);
          if (version === '2.0') {
            assert.deepEqual({ ...Message.fromPostArgs(post).getArgs(AX) }, { ...extArgs });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('parses arbitrary argument sets without throwing anything but ProtocolError (fuzz)', () => {
    const k = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 12 }).map((s) => `openid.${s}`),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(k, fc.string({ maxLength: 20 })), { maxLength: 12 }), (pairs) => {
        try {
          const m = Message.fromPostArgs(pairs);
          m.toURL('https://x.example/');
          m.getArgs(OPENID_NS);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
