/**
 * Issue 18, item 7: the provider refuses a return_to that carries `openid.*`
 * query parameters (decision: refuse, not strip; see
 * src/op/return-to-openid-args.ts for why). The reported attack: a return_to
 * with `openid.claimed_id=https://victim.example/` made an anonymous
 * assertion arrive with that unsigned claimed id beside the signed fields.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Provider } from '../../../src/op/provider.js';
import { checkReturnToHasNoOpenIDArgs, openIdArgsIn } from '../../../src/op/return-to-openid-args.js';
import { OPENID2_NS } from '../../../src/protocol/constants.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { MemoryStore } from '../../../src/stores/memory.js';

const EP = 'https://op.example/openid';
const op = () => new Provider({ endpoint: EP, store: new MemoryStore() });

function checkid(returnTo: string, extra: Record<string, string> = {}) {
  return {
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.return_to': returnTo,
    'openid.realm': 'https://rp.example/',
    ...extra,
  };
}

/** The reported attack and its spellings: each names an `openid.*` key some relying party reads. */
const HOSTILE = [
  'https://rp.example/return?openid.claimed_id=https%3A%2F%2Fvictim.example%2F',
  'https://rp.example/return?sid=1&openid.identity=https://victim.example/',
  'https://rp.example/return?openid.mode=id_res',
  'https://rp.example/return?openid.ns=http://specs.openid.net/auth/2.0',
  'https://rp.example/return?openid.sreg.email=admin%40rp.example',
  'https://rp.example/return?OpenID.claimed_id=x',
  'https://rp.example/return?OPENID.CLAIMED_ID=x',
  'https://rp.example/return?openid%2Eclaimed_id=x',
  'https://rp.example/return?openid%2eclaimed_id=x',
  'https://rp.example/return?%6Fpenid.claimed_id=x',
  'https://rp.example/return?openid_claimed_id=x',
  'https://rp.example/return?openid[claimed_id]=x',
  'https://rp.example/return?openid%5Bclaimed_id%5D=x',
  'https://rp.example/return?openid+claimed_id=x',
  'https://rp.example/return?openid%20claimed_id=x',
  'https://rp.example/return?openid.=x',
];

/** Relying parties' own parameters that merely start with "openid": allowed. */
const BENIGN = [
  'https://rp.example/return',
  'https://rp.example/return?openid2.rp_nonce=2026-12-06T10%3A00%3A00Zabc',
  'https://rp.example/return?openid1_claimed_id=https://alice.example/',
  'https://rp.example/return?janrain_nonce=x',
  // openid4java's OpenID 1.x consumer nonce and its HMAC: exact names no answer field has.
  'https://rp.example/return?openid.rpnonce=2026-12-06T10%3A00%3A00Z0&openid.rpsig=a2V5%3D',
  'https://rp.example/return?openidx=1',
  'https://rp.example/return?next=/openid.claimed_id',
  'https://rp.example/openid.claimed_id/return',
];

describe('issue 18 item 7: return_to carrying openid.* is refused', () => {
  describe('decodeRequest throws a ProtocolError (error page, not a redirect)', () => {
    for (const returnTo of HOSTILE) {
      test(returnTo, async () => {
        const provider = op();
        let error: unknown;
        try {
          provider.decodeRequest(checkid(returnTo));
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof ProtocolError, String(error));
        assert.equal(error.code, 'return_to_openid_args');
        assert.match(error.message, /openid\.\* parameters/);
        // Never answered by redirecting to the hostile return_to.
        const web = provider.encodeError(error);
        assert.equal(web.headers.location ?? web.headers.Location, undefined);
        assert.notEqual(web.status, 302);
      });
    }
  });

  test('the anonymous-assertion attack (2.0 request with no identity) is refused too', () => {
    assert.throws(
      () => op().decodeRequest(checkid(HOSTILE[0] as string)),
      (e: unknown) => e instanceof ProtocolError && e.code === 'return_to_openid_args',
    );
  });

  test('OpenID 1.x requests are judged the same (trust_root, no ns)', () => {
    assert.throws(
      () =>
        op().decodeRequest({
          'openid.mode': 'checkid_setup',
          'openid.identity': 'https://op.example/id/alice',
          'openid.return_to': 'https://rp.example/return?openid.identity=x',
          'openid.trust_root': 'https://rp.example/',
        }),
      (e: unknown) => e instanceof ProtocolError && e.code === 'return_to_openid_args',
    );
  });

  describe('relying parties own parameters pass', () => {
    for (const returnTo of BENIGN) {
      test(returnTo, () => {
        assert.deepEqual(checkReturnToHasNoOpenIDArgs(returnTo), { ok: true });
        assert.equal(op().decodeRequest(checkid(returnTo))?.mode, 'checkid_setup');
      });
    }
  });

  test('a fragment is not a query: return_to#openid.claimed_id=x passes this rule', () => {
    assert.deepEqual(checkReturnToHasNoOpenIDArgs('https://rp.example/return#openid.claimed_id=x'), {
      ok: true,
    });
  });

  test('openIdArgsIn names each colliding parameter once, decoded', () => {
    assert.deepEqual(
      openIdArgsIn('https://rp.example/r?openid%2Eclaimed_id=1&openid.claimed_id=2&openid.mode=x'),
      ['openid.claimed_id', 'openid.mode'],
    );
  });
});
