/**
 * The identifier a success reports (spec §11.5.1 and the fixed provider's
 * last word on it):
 *
 * - OpenID 2.0: the claimed id as discovery canonicalised it (one spelling
 *   per identifier: UR-02, UR-05), with the fragment the response carried
 *   (identifier recycling, §11.5.1); as asserted when the verified endpoint
 *   is an OP identifier's; none for an extension-only assertion;
 * - OpenID 1: the claimed id begin() discovered (the response names only
 *   the delegate), else the endpoint's identifier;
 * - no identifier at all passes only for a login that asked for none;
 * - with `fixedProvider`, what was verified must still be of its pattern
 *   (defence in depth: screening already required it).
 *
 * @see OpenID 2.0 §11.5.1
 */
import { endpointLocalId, type ServiceEndpoint } from '../../discovery/endpoints.js';
import type { OpenIDVersion } from '../../protocol/constants.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { type FixedProvider, fixedProviderUserId } from '../fixed-provider.js';
import type { LoginState } from '../state.js';
import { type Check, PASS, pass, refuse, type Verdict } from './verdict.js';

/**
 * The claimed id to report for a verified assertion (null: anonymous), or
 * `missing_field`; with a fixed provider, `untrusted_claimed_id` when it is
 * not of its pattern.
 */
export function verifiedClaimedId(
  message: Message,
  version: OpenIDVersion,
  endpoint: ServiceEndpoint,
  state: LoginState | null,
  fixed: FixedProvider | null,
): Verdict<string | null> {
  const claimedId =
    version === '2.0' ? claimedId2(message, endpoint) : (state?.claimedId ?? endpointLocalId(endpoint));
  if (claimedId === null && !(state?.anonymous ?? false)) {
    return refuse('missing_field', 'the assertion names no identifier');
  }
  const ofProvider = checkFixedClaimedId(fixed, claimedId);
  return ofProvider.ok ? pass(claimedId) : ofProvider;
}

/** OpenID 2.0: the discovered spelling plus the asserted fragment, or the asserted id for an OP identifier. */
function claimedId2(message: Message, endpoint: ServiceEndpoint): string | null {
  const asserted = message.get(OPENID_NS, 'claimed_id');
  if (asserted === undefined) return null;
  if (endpoint.claimedId === null || endpoint.isOpIdentifier) return asserted;
  const hash = asserted.indexOf('#');
  return hash === -1 ? endpoint.claimedId : `${endpoint.claimedId}${asserted.slice(hash)}`;
}

/** With a fixed provider, the verified claimed id must be of its pattern: `untrusted_claimed_id` otherwise. */
export function checkFixedClaimedId(fixed: FixedProvider | null, claimedId: string | null): Check {
  if (fixed && (claimedId === null || fixedProviderUserId(fixed, claimedId) === null))
    return refuse('untrusted_claimed_id', 'the verified claimed id is not of the provider’s form');
  return PASS;
}
