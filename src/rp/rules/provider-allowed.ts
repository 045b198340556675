/**
 * Which providers may vouch for users of this site: with `fixedProvider`
 * only its endpoint (as an exact string), with `allowedProviders` only those
 * listed (compared as URIs: `HTTPS://OP.example:443/` is that endpoint).
 * Applied to the endpoint §11.2 verified, and by begin() to the endpoints it
 * may send users to.
 */
import { sameUri } from '../../protocol/urinorm.js';
import type { FixedProvider } from '../fixed-provider.js';
import { type Check, PASS, refuse } from './verdict.js';

/** Whether `opEndpoint` may vouch for users of this site. */
export function providerAllowed(
  opEndpoint: string,
  fixed: FixedProvider | null,
  allowedProviders: readonly string[] | undefined,
): boolean {
  if (fixed && opEndpoint !== fixed.opEndpoint) return false;
  return allowedProviders === undefined || allowedProviders.some((entry) => sameUri(entry, opEndpoint));
}

/** {@link providerAllowed} as a rule of complete(): `untrusted_op` when not. */
export function checkProviderAllowed(
  opEndpoint: string,
  fixed: FixedProvider | null,
  allowedProviders: readonly string[] | undefined,
): Check {
  return providerAllowed(opEndpoint, fixed, allowedProviders)
    ? PASS
    : refuse('untrusted_op', 'this provider is not allowed for this site');
}
