/**
 * Spec §11.2, which endpoint may vouch for the response's identifier:
 *
 * - OpenID 1: the endpoint of this login, whose delegate identity must match;
 * - no claimed_id (an extension-only assertion): only the endpoint of this
 *   login, and only if it asked for no identifier;
 * - identifier_select still in the answer: the provider chose no one;
 * - the claimed id begin() discovered, unchanged: that endpoint (no fetch);
 * - otherwise (identifier_select, delegation changed, unsolicited): the
 *   claimed id is discovered itself and one of its endpoints must agree.
 *
 * @see OpenID 2.0 §11.2
 */
import type { ServiceEndpoint } from '../../discovery/endpoints.js';
import { IDENTIFIER_SELECT } from '../../protocol/constants.js';
import { OpenIDError } from '../../protocol/errors.js';
import { inert } from '../../protocol/inert.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { stripFragment } from '../../protocol/urinorm.js';
import type { LoginState } from '../state.js';
import { checkDiscoveredEndpoint, checkOpenID1Identity } from './discovered.js';
import { pass, type Refusal, refuse, type Verdict } from './verdict.js';

const NO_MATCH: Refusal = refuse('discovery_mismatch', 'no discovered endpoint matches');

/** Discovers a claimed id (fragment stripped) to its OpenID 2.0 endpoints; throws `OpenIDError` when discovery fails. */
export type DiscoverClaimedId = (claimedId: string) => Promise<readonly ServiceEndpoint[]>;

/** The endpoint that may vouch for this response's identifier (see the module comment), or a refusal. */
export async function verifiedEndpoint(
  message: Message,
  state: LoginState | null,
  discoverClaimedId: DiscoverClaimedId,
): Promise<Verdict<ServiceEndpoint>> {
  if (message.isOpenID1()) {
    if (!state) return refuse('unsolicited_rejected', 'OpenID 1 responses need login state');
    const c = checkOpenID1Identity(message, state.endpoint);
    return c.ok ? pass(state.endpoint) : c;
  }
  const claimed = message.get(OPENID_NS, 'claimed_id');
  if (claimed === undefined) {
    if (!state?.anonymous) return refuse('missing_field', 'the assertion has no claimed_id');
    const c = checkDiscoveredEndpoint(message, state.endpoint);
    return c.ok ? pass(state.endpoint) : c;
  }
  if (claimed === IDENTIFIER_SELECT || message.get(OPENID_NS, 'identity') === IDENTIFIER_SELECT) {
    return refuse('discovery_mismatch', 'the provider did not choose an identifier');
  }
  // Fast path: the response names exactly what begin() discovered.
  if (state && !state.endpoint.isOpIdentifier && state.claimedId !== null) {
    if (checkDiscoveredEndpoint(message, { ...state.endpoint, claimedId: state.claimedId }).ok)
      return pass(state.endpoint);
  }
  let found: readonly ServiceEndpoint[];
  try {
    found = await discoverClaimedId(stripFragment(claimed));
  } catch (e) {
    if (e instanceof OpenIDError)
      return refuse('discovery_failed', `discovery of the claimed id failed: ${inert(e.message, 600)}`);
    throw e;
  }
  let last: Refusal = NO_MATCH;
  for (const e of found) {
    const c = checkDiscoveredEndpoint(message, e);
    if (c.ok) return pass(e);
    last = c;
  }
  return last;
}
