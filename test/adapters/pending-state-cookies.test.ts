/**
 * One state cookie per pending login (issue 20): names from the per-login
 * nonce, the bound on pending logins, the `used` mark, and what the return
 * route reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clearExcessPending,
  markPendingStateUsed,
  nonceTag,
  pendingCookieName,
  readPendingState,
  resolveStateCookie,
  setPendingStateCookie,
  USED_STATE,
} from '../../src/adapters/state-cookie.js';

const http = resolveStateCookie('http://127.0.0.1:3000/login/return');
const https = resolveStateCookie('https://app.example/login/return');
const N1 = '2026-12-06T14:41:59Z$|_G<2WJ';
const N2 = '2026-12-06T14:41:59Z$|_G<2WK';

describe('per-login state cookies', () => {
  test('the tag is 16 hex digits, stable for a nonce, different for a one-character change', () => {
    assert.match(nonceTag(N1), /^[0-9a-f]{16}$/);
    assert.equal(nonceTag(N1), nonceTag(N1));
    assert.notEqual(nonceTag(N1), nonceTag(N2));
  });

  test('names keep the prefix and scope: openid2_state.<tag> on http, __Host-openid2_state.<tag> on https', () => {
    assert.equal(pendingCookieName(http, N1), `openid2_state.${nonceTag(N1)}`);
    assert.match(
      setPendingStateCookie(https, N1, 'v1.abc.def'),
      /^__Host-openid2_state\.[0-9a-f]{16}=v1\.abc\.def; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    assert.match(
      setPendingStateCookie(http, N1, 'v1.abc'),
      /^openid2_state\.[0-9a-f]{16}=v1\.abc; Path=\/login\/return; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    assert.throws(() => setPendingStateCookie(http, N1, 'bad;value'), TypeError);
  });

  test("the return reads its own login's cookie first, then the plain name; never another login's", () => {
    const header = `openid2_state.${nonceTag(N2)}=v1.other; openid2_state=v1.plain; openid2_state.${nonceTag(N1)}=v1.mine`;
    assert.deepEqual(readPendingState(http, header, N1), {
      candidates: ['v1.mine', 'v1.plain'],
      used: false,
    });
    assert.deepEqual(readPendingState(http, header, null), { candidates: ['v1.plain'], used: false });
  });

  test('a used mark with no token is `used`; a token beside it wins', () => {
    const used = `openid2_state.${nonceTag(N1)}=${USED_STATE}`;
    assert.deepEqual(readPendingState(http, used, N1), { candidates: [], used: true });
    assert.equal(readPendingState(http, `${used}; openid2_state.${nonceTag(N1)}=v1.t`, N1).used, false);
    assert.match(
      markPendingStateUsed(http, N1),
      new RegExp(`^openid2_state\\.${nonceTag(N1)}=used; Path=/login/return; Max-Age=600`),
    );
  });

  test('at most maxPending pending logins: the oldest sent are cleared, used marks do not count', () => {
    const names = Array.from({ length: 6 }, (_, i) => `openid2_state.${nonceTag(`n${i}`)}`);
    const header = `${names.map((n) => `${n}=v1.x`).join('; ')}; openid2_state.${nonceTag('u')}=used`;
    const cleared = clearExcessPending(http, header);
    // 6 pending + the one being started must leave 5: the 2 oldest go.
    assert.deepEqual(
      cleared.map((c) => c.split('=')[0]),
      names.slice(0, 2),
    );
    assert.ok(cleared.every((c) => /Max-Age=0/.test(c)));
    assert.deepEqual(
      clearExcessPending(
        http,
        names
          .slice(0, 4)
          .map((n) => `${n}=v1.x`)
          .join('; '),
      ),
      [],
    );
    assert.throws(() => resolveStateCookie('http://a.example/r', { maxPending: 0 }), TypeError);
  });
});
