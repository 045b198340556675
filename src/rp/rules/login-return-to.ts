/**
 * return_to as the login sent it. Besides naming the URL the response
 * arrived at (§11.1, return-to.ts), the signed return_to must be
 *
 * - with login state: the very return_to begin() sent for this browser's
 *   login — the same per-login nonce (`openid2.rp_nonce`), the same URL,
 *   plus the state token when the state travels in return_to;
 * - without (an unsolicited assertion): this relying party's configured
 *   return URL, because the URL the app passed may come from a forged Host
 *   header (RT-09).
 *
 * @see docs/security-cases.md SE-01, RT-09
 */
import { withQueryParam } from '../query-param.js';
import { RETURN_TO_STATE_PARAM, stateFromReturnTo } from '../return-to-state.js';
import { rpNonceOf } from '../rp-nonce.js';
import type { LoginState } from '../state.js';
import { checkReturnTo } from './return-to.js';
import { type Check, PASS, refuse } from './verdict.js';

/**
 * The response answers this browser's login: its return_to carries the
 * nonce begin() put there and is the one sent, compared as §11.1 compares
 * (with the echoed state token when `stateInReturnTo`). `returnTo` must
 * have passed §11.1 (`checkReturnTo`) first; `parsed` is it parsed, when
 * that check gave it (`checkReturnToUrl`).
 */
export function checkLoginReturnTo(
  returnTo: string,
  state: LoginState,
  stateInReturnTo: boolean,
  parsed?: URL,
): Check {
  if (!sameLoginNonce(parsed ?? returnTo, returnTo, state.returnTo)) {
    return refuse(
      'session_binding_failed',
      'the response answers another login than the one this browser started',
    );
  }
  const echoedState = stateInReturnTo ? stateFromReturnTo(returnTo) : null;
  const expected =
    echoedState === null
      ? state.returnTo
      : withQueryParam(state.returnTo, RETURN_TO_STATE_PARAM, echoedState);
  // The same text is the same URL: the common case, where parsing both again would only
  // agree, since `returnTo` has passed §11.1 (`checkReturnTo`), which refuses a repeated parameter.
  if (returnTo === expected) return PASS;
  return checkReturnTo(returnTo, expected);
}

/**
 * Both return_to URLs carry exactly one `openid2.rp_nonce`, and it is the
 * same. When the texts are equal (a cookie-kept state: the provider sent back
 * what begin() sent) the one found in `returnTo` is the answer for both, and
 * the state's copy is not parsed again — one URL parse less per login.
 */
function sameLoginNonce(returnTo: string | URL, returnToText: string, sentReturnTo: string): boolean {
  const nonce = rpNonceOf(returnTo);
  if (nonce === null) return false;
  return returnToText === sentReturnTo || nonce === rpNonceOf(sentReturnTo);
}

/**
 * An unsolicited assertion's return_to (which has passed §11.1, so it
 * parses) names this relying party's configured return URL: scheme, host,
 * port and path; the query aside.
 */
export function checkConfiguredReturnTo(returnTo: string, configuredReturnTo: string): Check {
  const configured = new URL(configuredReturnTo);
  configured.search = '';
  const sent = new URL(returnTo);
  return checkReturnTo(configured.toString(), sent.origin + sent.pathname);
}
