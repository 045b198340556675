/**
 * check_authentication on the provider's side (spec §11.4.2): the
 * assertion names one of the provider's private associations, its signature
 * verifies with it over the fields `openid.signed` lists, and it is
 * confirmed once only. Every refusal answers `is_valid:false`; the codes
 * say which rule refused, for logs.
 */
import type { Association } from '../../protocol/association.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { type SignatureCheck, verifyMessageSignature } from '../../protocol/signature.js';
import { ok, pass, type RuleVerdict, refuse } from '../verdict.js';

/** Why check_authentication answers `is_valid:false`. */
export type CheckAuthRefusalCode =
  /** No `openid.assoc_handle`. */
  | 'assoc_handle_missing'
  /** The handle names no live private association (unknown, expired, shared, or already used). */
  | 'assoc_handle_unknown'
  /** The signature fails: absent, a malformed or unsatisfied signed list, or a wrong MAC. */
  | Extract<SignatureCheck, { ok: false }>['code']
  /** Another check_authentication of this assertion removed the association first. */
  | 'assertion_used';

/** A check_authentication rule's verdict. */
export type CheckAuthVerdict<T = undefined> = RuleVerdict<T, CheckAuthRefusalCode>;

/**
 * The assertion names the association that signed it.
 * @see OpenID 2.0 §11.4.2.1 ("exact copies of all fields from the authentication response")
 */
export function assertionHandle(message: Message): CheckAuthVerdict<string> {
  const handle = message.get(OPENID_NS, 'assoc_handle') ?? '';
  return handle === ''
    ? refuse('assoc_handle_missing', 'check_authentication without openid.assoc_handle')
    : pass(handle);
}

/**
 * The handle names a private association of this provider. Shared ones
 * live under another store key and are never found here: a relying party
 * that holds a shared association verifies its signature itself, so a
 * provider that confirmed one would vouch for a MAC anyone holding the
 * shared key could compute.
 * @see OpenID 2.0 §11.4.2.1 ("the OP MUST NOT verify signatures for associations that have shared MAC keys")
 */
export function privateAssociationFound(
  handle: string,
  association: Association | null,
): CheckAuthVerdict<Association> {
  return association === null
    ? refuse('assoc_handle_unknown', `no private association ${handle} (unknown, expired or already used)`)
    : pass(association);
}

/**
 * The signature verifies over the listed fields, computed as for the
 * original `id_res` (the mode is the only field the relying party changes).
 * Checked before anything is removed, so a forged request naming a genuine
 * handle cannot burn the genuine login.
 * @see OpenID 2.0 §11.4.2.2
 */
export function signatureVerifies(message: Message, association: Association): CheckAuthVerdict {
  const asSent = message.clone().set(OPENID_NS, 'mode', 'id_res');
  const check = verifyMessageSignature(asSent, association);
  return check.ok ? ok : refuse(check.code, check.message);
}

/**
 * Single use (security case NO-13): the assertion is confirmed
 * only to the caller whose removal of the association actually removed it,
 * so of concurrent requests for one assertion, exactly one gets `true`.
 * @see OpenID 2.0 §11.4.2.1, §11.3 (nonces)
 */
export function firstUse(removed: boolean): CheckAuthVerdict {
  return removed ? ok : refuse('assertion_used', 'the assertion was confirmed already');
}

/**
 * The handle to echo as `invalidate_handle`: the one the relying party asked
 * about, when the provider holds no shared association under it (so the
 * relying party drops it), else none.
 * @see OpenID 2.0 §11.4.2.2 (invalidate_handle)
 */
export function handleToInvalidate(requested: string | undefined, sharedStillLive: boolean): string | null {
  return requested && !sharedStillLive ? requested : null;
}
