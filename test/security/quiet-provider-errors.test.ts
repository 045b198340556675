/**
 * Class 3 of issue 27, "provider errors carry no private knowledge": when an app answers a
 * checkid request about one identifier with its signed-in user's identifier, the refusal
 * that travels back to the relying party (openid.error, or the error page) must not name
 * the signed-in user. The detail stays on the thrown error for the provider's own log.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Provider } from '../../src/op/provider.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { MemoryStore } from '../../src/stores/memory.js';

const EP = 'https://op.example/openid';
const RT = 'https://rp.example/return';
const ASKED = 'https://op.example/id/victim';
const SIGNED_IN = 'https://op.example/id/secret-user-4711';
const SIGNED_IN_CLAIMED = 'https://secret-user-4711.example/';

function checkid(mode: string, fields: Record<string, string> = {}): Record<string, string> {
  return {
    'openid.ns': OPENID2_NS,
    'openid.mode': mode,
    'openid.claimed_id': ASKED,
    'openid.identity': ASKED,
    'openid.return_to': RT,
    'openid.realm': 'https://rp.example/',
    ...fields,
  };
}

/** Everything that leaves the provider for the relying party or the browser, as one string. */
function wireText(web: { headers: Record<string, string>; body: string } | null): string {
  assert.ok(web);
  const location = web.headers.location ?? '';
  const query = location.includes('?')
    ? [...new URL(location).searchParams].map(([k, v]) => `${k}=${v}`)
    : [];
  return `${query.join('\n')}\n${web.body}`;
}

describe('provider errors carry no private knowledge (immediate and setup; identity and claimed id)', () => {
  const op = new Provider({ endpoint: EP, store: new MemoryStore(), setupUrl: `${EP}/setup` });

  const variants: [string, (r: CheckIDRequest) => ReturnType<CheckIDRequest['answer']>, string][] = [
    ['identity', (r) => r.answer(true, { identity: SIGNED_IN }), SIGNED_IN],
    [
      'claimed id',
      (r) => r.answer(true, { identity: ASKED, claimedId: SIGNED_IN_CLAIMED }),
      SIGNED_IN_CLAIMED,
    ],
  ];
  for (const mode of ['checkid_immediate', 'checkid_setup']) {
    for (const [which, decide, secret] of variants) {
      test(`${mode}, ${which}: the refusal sent to the relying party does not name the signed-in user`, async () => {
        const web = await op.respond(checkid(mode), decide);
        const text = wireText(web);
        assert.ok(web?.headers.location?.startsWith(RT), 'the error goes back to return_to');
        assert.match(text, /^openid\.mode=error$/m);
        assert.match(text, /cannot answer for the requested/);
        assert.ok(!text.includes(secret), `leaked: ${text}`);
        assert.ok(!text.includes('secret-user-4711'), `leaked: ${text}`);
      });

      test(`${mode}, ${which}: the thrown error keeps the detail for the provider's log`, () => {
        const request = op.decodeRequest(checkid(mode)) as CheckIDRequest;
        assert.throws(
          () => decide(request),
          (e: unknown) =>
            e instanceof ProtocolError &&
            e.code === 'identity_mismatch' &&
            e.message.includes(secret) &&
            e.context.publicMessage !== undefined &&
            !e.context.publicMessage.includes(secret),
        );
      });
    }
  }

  test('an encoded refusal without return_to (error page) does not name the signed-in user either', () => {
    const request = op.decodeRequest(checkid('checkid_setup')) as CheckIDRequest;
    let error: ProtocolError | undefined;
    try {
      request.answer(true, { identity: SIGNED_IN });
    } catch (e) {
      error = e as ProtocolError;
    }
    assert.ok(error);
    const page = op.encodeError(
      new ProtocolError(error.code, error.message, { ...error.context, returnTo: undefined }),
    );
    assert.equal(page.status, 400);
    assert.ok(!page.body.includes('secret-user-4711'), page.body);
  });
});
