/**
 * The app's answer to a checkid request, checked before the provider signs
 * anything (spec §10, §10.1): there is a return_to to answer to, the
 * options are usable, and a positive assertion speaks only for the
 * identifier the request names.
 *
 * A request that names its identifier is answered for that identifier only
 * (as python-openid does): an app that passes the signed-in user's identity
 * for a request about someone else gets an error, never an assertion
 * pairing the requested claimed_id with another identity (security cases
 * OPR-06, DV-03). `switchIdentifier` lifts the three identity rules.
 */
import { sameUri, stripFragment } from '../../protocol/urinorm.js';
import type { AllowOptions } from '../answer-options.js';
import { type Check, ok, pass, type RuleVerdict, refuse } from '../verdict.js';
import type { RequestedIdentifiers } from './identity.js';

/**
 * An answer, positive or negative, goes to return_to: a request without one
 * (realm only) cannot be answered.
 *
 * @see OpenID 2.0 §9.1 (openid.return_to: "if not present, the provider cannot return an assertion")
 */
export function answerHasReturnTo(returnTo: string | null): RuleVerdict<string> {
  return returnTo === null
    ? refuse('no_return_to', 'the request has no return_to to answer to')
    : pass(returnTo);
}

/**
 * The `opEndpoint` option, when given, is an absolute http(s) URL: it
 * becomes `openid.op_endpoint`, which relying parties compare with
 * discovery.
 *
 * @see OpenID 2.0 §10.1 (openid.op_endpoint)
 */
export function opEndpointIsWebUrl(opEndpoint: string | undefined): Check {
  if (opEndpoint === undefined || /^https?:\/\/[^/]/.test(opEndpoint)) return ok;
  return refuse('invalid_option', 'opEndpoint must be an absolute http(s) URL');
}

/**
 * An identifier_select request is answered with the identifier the user
 * chose: the app must name it.
 *
 * @see OpenID 2.0 §10.1 ("if the relying party requested identifier_select … the OP SHOULD choose")
 */
export function selectedIdentityNamed(options: AllowOptions): RuleVerdict<string> {
  return options.identity
    ? pass(options.identity)
    : refuse('invalid_request', 'an identifier_select answer must name the identity');
}

// The identifier the app offered (the signed-in user's) is the provider's private knowledge: it
// stays in `message` for the provider's log; `publicMessage`, what the relying party may read,
// names only which of its own values could not be answered.

/**
 * The answer's `identity`, when given, is the requested one.
 *
 * @see OpenID 2.0 §10.1 (openid.identity)
 */
export function answerIdentityIsRequested(requested: RequestedIdentifiers, options: AllowOptions): Check {
  if (options.identity === undefined || sameUri(options.identity, requested.identity)) return ok;
  return refuse(
    'identity_mismatch',
    `the request is for ${requested.identity ?? 'no identity'}; cannot answer for ${options.identity}`,
    'cannot answer for the requested identity',
  );
}

/**
 * The answer's `claimedId`, when given, is the requested one, perhaps with a
 * fragment the provider added (§11.5.1, identifier recycling).
 *
 * @see OpenID 2.0 §10.1 (openid.claimed_id), §11.5.1
 */
export function answerClaimedIdIsRequested(requested: RequestedIdentifiers, options: AllowOptions): Check {
  const claimed = options.claimedId;
  if (
    claimed === undefined ||
    sameUri(withoutAddedFragment(claimed, requested.claimedId), requested.claimedId)
  )
    return ok;
  return refuse(
    'identity_mismatch',
    `the request is for claimed_id ${requested.claimedId ?? '(none)'}; cannot answer for ${claimed}`,
    'cannot answer for the requested claimed_id',
  );
}

/**
 * A requested claimed_id on the provider's own origin that differs from
 * the identity is not delegation the provider can vouch for unless the app
 * names it in `claimedId` (security case OPR-07): the provider knows its own
 * users, and an identity page of its own that delegates elsewhere is not one.
 *
 * @see OpenID 2.0 §7.3.3 (delegation), §10.1
 */
export function ownClaimedIdVouched(
  requested: RequestedIdentifiers,
  options: AllowOptions,
  endpoint: string,
): Check {
  const { identity, claimedId } = requested;
  if (
    options.claimedId !== undefined ||
    claimedId === null ||
    identity === null ||
    sameUri(claimedId, identity) ||
    originOf(claimedId) !== originOf(endpoint)
  )
    return ok;
  return refuse(
    'identity_mismatch',
    `claimed_id ${claimedId} is on this provider but is not the identity ${identity}; pass claimedId to vouch for it`,
    'cannot answer for a claimed_id on this provider that is not the identity',
  );
}

/** `claimedId` without its fragment when `requested` has none (the fragment the provider added). */
function withoutAddedFragment(claimedId: string, requested: string | null): string {
  if (requested === null || requested.includes('#')) return claimedId;
  return stripFragment(claimedId);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
