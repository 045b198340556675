/**
 * Unsolicited assertions: a response with no login state is refused unless
 * the app allows provider-initiated logins (`allowUnsolicited`), and then
 * only in OpenID 2.0 — OpenID 1 has no `op_endpoint` or `claimed_id` to
 * verify without the state. What passes is the version the assertion is
 * judged in: the one discovery found for this login, else 2.0.
 *
 * @see OpenID 2.0 §10 ("unsolicited positive assertions"), §11
 */
import type { OpenIDVersion } from '../../protocol/constants.js';
import type { Message } from '../../protocol/message.js';
import type { LoginState } from '../state.js';
import { pass, refuse, type Verdict } from './verdict.js';

const V2: Verdict<OpenIDVersion> = pass('2.0');

/** The version this assertion must be in, or `unsolicited_rejected`. */
export function checkSolicited(
  message: Message,
  state: LoginState | null,
  allowUnsolicited: boolean,
): Verdict<OpenIDVersion> {
  if (state) return pass(state.endpoint.version);
  if (allowUnsolicited && message.isOpenID2()) return V2;
  return refuse('unsolicited_rejected', 'no login state for this response (start the login from this site)');
}
