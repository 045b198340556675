/**
 * The associate request's types (spec §8.1, §8.3, §8.4), one rule each, in
 * the order `Provider` runs them. Every refusal but a missing field is
 * answered `unsupported-type` with the provider's suggestion (§8.2.4), so a
 * relying party retries once with a pair this provider takes.
 */
import type { AssociationType, SessionType } from '../../protocol/constants.js';
import type { Message } from '../../protocol/message.js';
import { OPENID_NS } from '../../protocol/message.js';
import { webScheme } from '../../protocol/url-scheme.js';
import { type Check, ok, pass, type RuleVerdict, refuse } from '../verdict.js';

/** The association types this provider issues, best first. */
export const ASSOC_TYPES: readonly AssociationType[] = ['HMAC-SHA256', 'HMAC-SHA1'];
/** The session types this provider answers, best first. */
export const SESSION_TYPES: readonly SessionType[] = ['DH-SHA256', 'DH-SHA1', 'no-encryption'];

/**
 * The pair an `unsupported-type` answer suggests (§8.2.4): the strongest the
 * provider has, which every peer that speaks OpenID 2 supports.
 */
export const SUGGESTED_TYPES: Readonly<{ assoc_type: AssociationType; session_type: SessionType }> =
  Object.freeze({ assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256' });

/** The requested types, as sent (not yet known to be supported). */
export interface RequestedTypes {
  readonly assocType: string;
  readonly sessionType: string;
}

/**
 * `openid.assoc_type` and `openid.session_type` are present. OpenID 1
 * defaults an absent assoc_type to HMAC-SHA1 and spells no-encryption as an
 * empty or absent session_type (OpenID 1.1 §8.1); OpenID 2 requires both.
 *
 * @see OpenID 2.0 §8.1.1
 */
export function requestedTypes(message: Message): RuleVerdict<RequestedTypes> {
  const v2 = message.isOpenID2();
  const assocType = message.get(OPENID_NS, 'assoc_type') ?? (v2 ? undefined : 'HMAC-SHA1');
  const raw = message.get(OPENID_NS, 'session_type');
  const sessionType = raw === undefined || raw === '' ? (v2 ? undefined : 'no-encryption') : raw;
  if (assocType === undefined || sessionType === undefined)
    return refuse('invalid_request', 'associate needs assoc_type and session_type');
  return pass({ assocType, sessionType });
}

/**
 * The association type is one this provider issues.
 * @see OpenID 2.0 §8.3
 */
export function supportedAssocType(assocType: string): RuleVerdict<AssociationType> {
  const known = ASSOC_TYPES.find((t) => t === assocType);
  return known === undefined
    ? refuse('unsupported_type', `unsupported assoc_type ${assocType}`)
    : pass(known);
}

/**
 * The session type is one this provider answers.
 * @see OpenID 2.0 §8.4
 */
export function supportedSessionType(sessionType: string): RuleVerdict<SessionType> {
  const known = SESSION_TYPES.find((t) => t === sessionType);
  return known === undefined
    ? refuse('unsupported_type', `unsupported session_type ${sessionType}`)
    : pass(known);
}

/**
 * `no-encryption` sends the MAC key in the clear: only over TLS (§8.4.1),
 * unless the provider opted out for tests (`allowNoEncryptionOverHttp`).
 * @see OpenID 2.0 §8.4.1
 */
export function noEncryptionOnlyOverTls(
  sessionType: SessionType,
  endpoint: string,
  allowNoEncryptionOverHttp: boolean,
): Check {
  if (sessionType !== 'no-encryption' || allowNoEncryptionOverHttp || webScheme(endpoint) === 'https')
    return ok;
  return refuse('unsupported_type', 'no-encryption sessions are refused over plain http');
}

/**
 * A Diffie-Hellman session's hash is as long as the MAC key it hides:
 * DH-SHA1 carries HMAC-SHA1 keys, DH-SHA256 HMAC-SHA256 ones.
 * @see OpenID 2.0 §8.4.2
 */
export function sessionCarriesAssocType(sessionType: SessionType, assocType: AssociationType): Check {
  const carried: Partial<Record<SessionType, AssociationType>> = {
    'DH-SHA1': 'HMAC-SHA1',
    'DH-SHA256': 'HMAC-SHA256',
  };
  const need = carried[sessionType];
  if (need === undefined || need === assocType) return ok;
  return refuse('unsupported_type', `${sessionType} cannot carry an ${assocType} key`);
}
