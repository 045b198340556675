/**
 * Whether a "setup needed" answer may reach the app (issue 18, item 4).
 *
 * `setup_needed` (OpenID 2.0 §10.2.1) and OpenID 1's `id_res` with
 * `user_setup_url` carry no signature, and the 1.x form names a URL the docs
 * tell the app to send the user to. Taken from anyone, that is an open
 * redirect: a crafted link to the return URL with `user_setup_url=https://evil/`
 * would bounce the user through this site. So the answer is believed only
 *
 * - in reply to an immediate request this browser started: login state is
 *   present, was immediate, and the URL being completed carries that login's
 *   `openid2.rp_nonce` (the state is bound to this very request);
 * - in the version of that login;
 * - with a setup URL only on the origin of the provider endpoint the user
 *   was sent to (parsed, so case and percent-encoding tricks do not matter):
 *   in 1.x a foreign `user_setup_url` fails the answer; in 2.0, where
 *   §10.2.1 defines none (python-openid sends one anyway), a foreign one is
 *   dropped and `setupUrl` is null.
 *
 * Everything else is a `failure`. Pure: no I/O.
 */
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { webScheme } from '../../protocol/url-scheme.js';
import type { FailureResult, SetupNeededResult } from '../result.js';
import { sameRpNonce } from '../rp-nonce.js';
import type { LoginState } from '../state.js';
import type { ResponseMode } from './mode.js';
import { type Check, refuse as fail, failureOf, PASS, pass, type Verdict } from './verdict.js';

const NO_URL: Verdict<string | null> = pass(null);

/**
 * Whether the response is a "setup needed" answer: mode `setup_needed`
 * (2.0), or an OpenID 1 `id_res` carrying `user_setup_url`.
 */
export function isSetupAnswer(message: Message, mode: ResponseMode): boolean {
  return (
    mode === 'setup_needed' || (message.isOpenID1() && message.get(OPENID_NS, 'user_setup_url') !== undefined)
  );
}

/** What complete() returns for a setup-needed answer: {@link checkSetupNeeded}'s verdict as a result. */
export function setupNeededResult(
  message: Message,
  state: LoginState | null,
  currentUrl: string,
): SetupNeededResult | FailureResult {
  const setup = checkSetupNeeded(message, state, currentUrl);
  return setup.ok ? { status: 'setup_needed', setupUrl: setup.value } : failureOf(setup);
}

/**
 * Judge a setup-needed answer against this browser's login state.
 *
 * @param message the response (mode `setup_needed`, or 1.x `id_res` with `user_setup_url`)
 * @param state this browser's login state, or null when it has none
 * @param currentUrl the URL being completed (the return_to as it arrived)
 * @see OpenID 2.0 §10.2.1; OpenID 1.1 §4.2.2.2
 */
export function checkSetupNeeded(
  message: Message,
  state: LoginState | null,
  currentUrl: string,
): Verdict<string | null> {
  const v2 = message.isOpenID2();
  const mode = message.get(OPENID_NS, 'mode');
  if (mode === 'setup_needed' && !v2) return fail('malformed_message', 'setup_needed is an OpenID 2.0 mode');
  if (state === null) {
    return fail(
      'unsolicited_rejected',
      'a setup-needed answer without login state is refused (open-redirect guard)',
    );
  }
  if (!state.immediate)
    return fail('unexpected_mode', 'setup needed in answer to a request that was not immediate');
  if ((state.endpoint.version === '2.0') !== v2)
    return fail('ns_mismatch', 'the setup answer is not in the OpenID version of this login');
  if (!sameRpNonce(currentUrl, state.returnTo)) {
    return fail('session_binding_failed', 'the setup answer is not for the login this browser started');
  }
  const setupUrl = message.get(OPENID_NS, 'user_setup_url');
  if (setupUrl === undefined) return NO_URL;
  const check = checkSetupUrlOrigin(setupUrl, state.endpoint.opEndpoint);
  if (check.ok) return pass(setupUrl);
  // §10.2.1 defines no setup URL for 2.0 (python-openid sends one anyway): a foreign one is dropped,
  // the answer itself stands. In 1.x the URL is the answer, so a foreign one fails it.
  return v2 ? NO_URL : check;
}

/** A 1.x `user_setup_url` must be an http(s) URL on the provider endpoint's origin. */
export function checkSetupUrlOrigin(setupUrl: string, opEndpoint: string): Check {
  if (webScheme(setupUrl) === null || webScheme(opEndpoint) === null) {
    return fail('setup_url_untrusted', 'user_setup_url is not an http(s) URL');
  }
  if (new URL(setupUrl).origin !== new URL(opEndpoint).origin) {
    return fail('setup_url_untrusted', "user_setup_url is not on the provider endpoint's origin");
  }
  return PASS;
}
