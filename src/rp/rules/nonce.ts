/**
 * Spec §11.3, first half: the nonce is well formed and within the skew
 * window. In OpenID 2.0 it is `openid.response_nonce`; OpenID 1 has none,
 * so the per-login nonce begin() put in return_to (signed by the provider
 * with return_to) stands in for it. Checked before any I/O; consumed last
 * (nonce-replay.ts), once everything else holds.
 *
 * @see OpenID 2.0 §10.1, §11.3
 */
import type { OpenIDVersion } from '../../protocol/constants.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { checkNonceTime, type NonceParts } from '../../protocol/nonce.js';
import { rpNonceOf } from '../rp-nonce.js';
import { pass, refuse, type Verdict } from './verdict.js';

/** A nonce must be present, well formed (§10.1) and within `skewSeconds` of now. */
export function checkNonceWindow(
  nonce: string | undefined,
  nowSeconds: number,
  skewSeconds: number,
): Verdict<NonceParts> {
  if (nonce === undefined || nonce === '')
    return refuse('nonce_missing', 'the assertion has no response_nonce');
  const r = checkNonceTime(nonce, nowSeconds, { skewSeconds });
  if (!r.ok) return refuse(r.code, r.message);
  // A well-formed nonce's timestamp is its first 20 characters (`YYYY-MM-DDTHH:MM:SSZ`).
  return pass({ timestamp: r.timestamp, salt: nonce.slice(20) });
}

/**
 * The nonce of this assertion, checked: `openid.response_nonce` in 2.0, the
 * `openid2.rp_nonce` of the (signed) return_to in 1.x.
 */
export function assertionNonce(
  message: Message,
  version: OpenIDVersion,
  returnTo: string,
  nowSeconds: number,
  skewSeconds: number,
): Verdict<NonceParts> {
  const nonce =
    version === '2.0' ? message.get(OPENID_NS, 'response_nonce') : (rpNonceOf(returnTo) ?? undefined);
  return checkNonceWindow(nonce, nowSeconds, skewSeconds);
}
