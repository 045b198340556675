/**
 * The identifiers a checkid request names (spec §9.1): `openid.identity`
 * and `openid.claimed_id` come together in OpenID 2 (or not at all, for a
 * request about something other than identity); OpenID 1 requests always
 * name `openid.identity`, which is also their claimed identifier.
 */
import { IDENTIFIER_SELECT } from '../../protocol/constants.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { type Check, ok, refuse } from '../verdict.js';

/** The identifiers of a checkid request, as sent. */
export interface RequestedIdentifiers {
  /** `openid.identity` (may be identifier_select); null when absent. */
  readonly identity: string | null;
  /** `openid.claimed_id`; in OpenID 1 the identity. */
  readonly claimedId: string | null;
}

/** Reads the identifiers (no rule: the two below judge them). */
export function requestedIdentifiers(message: Message): RequestedIdentifiers {
  const identity = message.get(OPENID_NS, 'identity') ?? null;
  const claimedId = message.isOpenID2() ? (message.get(OPENID_NS, 'claimed_id') ?? null) : identity;
  return { identity, claimedId };
}

/**
 * OpenID 2: claimed_id and identity are both present or both absent.
 *
 * @example claimedIdWithIdentity({ identity: 'https://op.example/u', claimedId: null }) // invalid_request
 * @see OpenID 2.0 §9.1 ("openid.claimed_id and openid.identity SHALL be either both present or both absent")
 */
export function claimedIdWithIdentity(ids: RequestedIdentifiers): Check {
  if ((ids.identity === null) === (ids.claimedId === null)) return ok;
  return refuse('invalid_request', 'openid.claimed_id and openid.identity must come together');
}

/**
 * OpenID 1: the request names `openid.identity` (1.1 has no identifier-less
 * requests).
 *
 * @see OpenID 1.1 §4.2.1 (openid.identity: required)
 */
export function openID1NamesIdentity(ids: RequestedIdentifiers): Check {
  if (ids.identity !== null) return ok;
  return refuse('invalid_request', 'OpenID 1 requests need openid.identity');
}

/**
 * Whether the relying party lets the provider choose the identifier.
 *
 * @see OpenID 2.0 §9.1 (identifier_select)
 */
export function isIdentifierSelect(identity: string | null): boolean {
  return identity === IDENTIFIER_SELECT;
}
