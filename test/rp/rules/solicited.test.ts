/** Unsolicited assertions (src/rp/rules/solicited.ts): the version an assertion is judged in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkSolicited } from '../../../src/rp/rules/solicited.js';
import { endpoint, loginState, msg, NS2 } from './fixtures.js';

describe('checkSolicited', () => {
  const v2 = msg({ ns: NS2, mode: 'id_res' });
  const v1 = msg({ mode: 'id_res' });
  const rows: [string, ReturnType<typeof msg>, ReturnType<typeof loginState> | null, boolean, unknown][] = [
    ['a 2.0 login: its version', v2, loginState(), false, { ok: true, value: '2.0' }],
    [
      'a 1.1 login: its version, whatever the message says',
      v2,
      loginState({}, endpoint({ version: '1.1' })),
      false,
      { ok: true, value: '1.1' },
    ],
    ['a 1.0 login', v1, loginState({}, endpoint({ version: '1.0' })), false, { ok: true, value: '1.0' }],
    ['no state, unsolicited allowed, 2.0 message', v2, null, true, { ok: true, value: '2.0' }],
  ];
  for (const [name, m, state, allow, expected] of rows)
    test(name, () => assert.deepEqual(checkSolicited(m, state, allow), expected));
  const refused = {
    ok: false,
    code: 'unsolicited_rejected',
    message: 'no login state for this response (start the login from this site)',
  };
  test('no state, unsolicited not allowed: refused', () =>
    assert.deepEqual(checkSolicited(v2, null, false), refused));
  test('no state, unsolicited allowed, but OpenID 1: refused', () =>
    assert.deepEqual(checkSolicited(v1, null, true), refused));
});
