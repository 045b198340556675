/**
 * Class 5 of issue 27, "secrets never print themselves": every public object that holds a
 * MAC key, a DH private key, a state token or the state key is printed by `util.inspect`
 * (console.log), `%o` and `JSON.stringify` without it, while the library can still read
 * the secret where it needs it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import { OpenIDStrategy } from '../../src/adapters/passport.js';
import { rpHandlers } from '../../src/adapters/web.js';
import { Provider } from '../../src/op/provider.js';
import { Association } from '../../src/protocol/association.js';
import { createConsumerSession } from '../../src/protocol/dh.js';
import { REDACTED } from '../../src/protocol/redact.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { identityPage, OP } from '../helpers/fake-op.js';
import { FakeOP, makeRp } from './world.js';

/** A recognisable 32-byte key: 0xA5 0x5A repeated. */
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 0xa5 : 0x5a));
const KEY_FORMS = [
  Buffer.from(KEY).toString('base64'),
  Buffer.from(KEY).toString('hex'),
  Buffer.from(KEY).toString('base64url'),
  '165, 90, 165, 90',
  '165,90,165,90',
  '"0":165',
];
const STATE_KEY = 'state-key-that-must-never-print-0123456789';

/** Every way an app might print `value`, as text. */
function printed(value: unknown): string[] {
  const out = [
    inspect(value, { depth: Number.POSITIVE_INFINITY }),
    inspect(value, { depth: Number.POSITIVE_INFINITY, getters: true }),
    format('%o', value),
    format('%O', value),
    format('%j', value),
  ];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // Not serializable at all (a cycle): nothing leaks that way either.
  }
  return out;
}

function assertNoneLeak(value: unknown, secrets: readonly string[]): void {
  for (const text of printed(value)) {
    for (const s of secrets) assert.ok(!text.includes(s), `leaked ${s} in: ${text.slice(0, 400)}`);
  }
}

const association = () =>
  new Association({
    handle: 'h-redact',
    secret: KEY,
    issued: Math.floor(Date.now() / 1000),
    lifetime: 3600,
    assocType: 'HMAC-SHA256',
  });

describe('secret-bearing objects redact in toJSON and util.inspect', () => {
  test('Association: the MAC key never prints, alone or nested', () => {
    const a = association();
    assertNoneLeak(a, KEY_FORMS);
    assertNoneLeak({ wrapped: [a] }, KEY_FORMS);
    assert.match(inspect(a), /Association/);
    assert.match(inspect(a), /h-redact/);
    assert.equal(JSON.parse(JSON.stringify(a)).secret, REDACTED);
    assert.equal(Object.keys(a).includes('secret'), false);
    assert.equal('secret' in { ...a }, false);
  });

  test('Association: the secret is still reachable where the library needs it', () => {
    const a = association();
    assert.deepEqual([...a.secret], [...KEY]);
    const back = Association.deserialize(a.serialize());
    assert.ok(back.equals(a));
    assert.deepEqual([...back.secret], [...KEY]);
    // The key is read-only: a module's strict-mode assignment throws instead of swapping it.
    assert.throws(
      () => {
        (a as { secret: Uint8Array }).secret = new Uint8Array(32);
      },
      { name: 'TypeError', message: /read only property 'secret'/ },
    );
    assert.deepEqual([...a.secret], [...KEY]);
  });

  test('a MemoryStore holding the association does not print its key', async () => {
    const store = new MemoryStore();
    await store.storeAssociation('https://op.example/', association());
    assertNoneLeak(store, KEY_FORMS);
    const got = await store.getAssociation('https://op.example/', 'h-redact');
    assert.ok(got);
    assertNoneLeak(got, KEY_FORMS);
    assert.deepEqual([...got.secret], [...KEY]);
  });

  test('a DH consumer session does not print its private key', () => {
    const privateKey = 0x1234567890abcdef1234567890abcdefn;
    const session = createConsumerSession('DH-SHA256', { privateKey });
    session.requestArgs();
    assertNoneLeak(session, [privateKey.toString(), privateKey.toString(16)]);
  });

  test('RelyingParty and its Web handlers do not print the state key', () => {
    const rp = makeRp({ secret: STATE_KEY });
    assertNoneLeak(rp, [STATE_KEY]);
    assertNoneLeak(rpHandlers(rp, { onSuccess: () => '/' }), [STATE_KEY]);
  });

  test('AuthRequest does not print its state token; the token is still readable', async () => {
    const op = new FakeOP(OP, { pages: { 'https://op.example/id/alice': identityPage(OP) } });
    const rp = makeRp({ fetcher: op.fetcher, secret: STATE_KEY });
    const auth = await rp.begin('https://op.example/id/alice');
    assert.ok(auth.state.length > 20);
    assertNoneLeak(auth, [auth.state, STATE_KEY]);
    assert.equal(JSON.parse(JSON.stringify(auth)).state, REDACTED);
  });

  test('Provider (and its store) does not print association keys', async () => {
    const store = new MemoryStore();
    const op = new Provider({ endpoint: 'https://op.example/openid', store });
    await store.storeAssociation('https://op.example/openid#shared', association());
    assertNoneLeak(op, KEY_FORMS);
  });

  test('Passport OpenIDStrategy does not print the state key', () => {
    const strategy = new OpenIDStrategy(
      { returnURL: 'https://rp.example/return', secret: STATE_KEY },
      (_id: string, done: (e: unknown) => void) => done(null),
    );
    assertNoneLeak(strategy, [STATE_KEY]);
  });
});
