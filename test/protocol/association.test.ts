import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Association, isValidHandle } from '../../src/protocol/association.js';
import { ProtocolError } from '../../src/protocol/errors.js';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;

describe('Association', () => {
  const init = {
    handle: '{HMAC-SHA1}{4b0a7c2e}{AbCdEf==}',
    secret: new Uint8Array(20),
    issued: 1262304000,
    lifetime: 1209600,
    assocType: 'HMAC-SHA1' as const,
  };

  test('expires at issued + lifetime', () => {
    const a = new Association(init);
    assert.equal(a.expiresAt, 1262304000 + 1209600);
    assert.equal(a.isExpired(a.expiresAt - 1), false);
    assert.equal(a.isExpired(a.expiresAt), true);
    assert.equal(a.expiresIn(a.expiresAt + 5), 0);
  });

  test('handles are 1-255 printable ASCII characters (33-126)', () => {
    assert.ok(isValidHandle('!~'));
    assert.ok(isValidHandle('x'.repeat(255)));
    for (const bad of ['', 'x'.repeat(256), 'a b', 'a\nb', 'a\0', 'é'])
      assert.equal(isValidHandle(bad), false, bad);
    assert.throws(() => new Association({ ...init, handle: 'a b' }), code('assoc_handle_invalid'));
  });

  test('the secret length must match the association type', () => {
    assert.throws(
      () => new Association({ ...init, secret: new Uint8Array(32) }),
      code('assoc_secret_invalid'),
    );
    assert.throws(
      () => new Association({ ...init, assocType: 'HMAC-SHA256', secret: new Uint8Array(20) }),
      code('assoc_secret_invalid'),
    );
  });

  test('refuses unknown types and non-integer times', () => {
    assert.throws(
      () => new Association({ ...init, assocType: 'HMAC-MD5' as 'HMAC-SHA1' }),
      code('assoc_type_invalid'),
    );
    assert.throws(() => new Association({ ...init, lifetime: -1 }), code('assoc_time_invalid'));
    assert.throws(() => new Association({ ...init, issued: 1.5 }), code('assoc_time_invalid'));
  });

  test('copies the secret so later changes to the caller buffer do not leak in', () => {
    const secret = new Uint8Array(20);
    const a = new Association({ ...init, secret });
    secret[0] = 9;
    assert.equal(a.secret[0], 0);
  });

  test('serialize and deserialize round-trip (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\x21-\x7e]{1,255}$/),
        fc.constantFrom('HMAC-SHA1' as const, 'HMAC-SHA256' as const),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (handle, assocType, bytes, issued, lifetime) => {
          const secret = bytes.slice(0, assocType === 'HMAC-SHA1' ? 20 : 32);
          const a = new Association({ handle, secret, issued, lifetime, assocType });
          assert.ok(Association.deserialize(a.serialize()).equals(a));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('deserialize refuses anything but what serialize wrote', () => {
    for (const bad of ['', 'nope', '[]', 'null', '{"v":1}', '{"v":2,"handle":"h","secret":1}']) {
      assert.throws(() => Association.deserialize(bad), code('assoc_serialization_invalid'), bad);
    }
  });
});
