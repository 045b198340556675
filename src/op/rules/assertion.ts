/**
 * The assertion's fields (spec §10): which identifiers a positive assertion
 * carries, and the fields of positive and negative assertions. Builders, not
 * checks: the rules in answer.ts have passed when these run.
 */
import type { OpenIDVersion } from '../../protocol/constants.js';
import { Message, OPENID_NS } from '../../protocol/message.js';
import type { AllowOptions } from '../answer-options.js';
import type { RequestedIdentifiers } from './identity.js';

/**
 * The identifiers a positive assertion carries: for identifier_select the
 * ones the app chose (claimed defaulting to identity); with
 * `switchIdentifier` the app's where given; otherwise the requested ones,
 * with the app's `claimedId` (the requested one, perhaps with a fragment
 * added) when given.
 *
 * @see OpenID 2.0 §10.1 (openid.claimed_id, openid.identity)
 */
export function assertedIdentifiers(
  requested: RequestedIdentifiers,
  options: AllowOptions,
  idSelect: boolean,
): RequestedIdentifiers {
  if (idSelect) {
    const identity = options.identity ?? null;
    return { identity, claimedId: options.claimedId ?? identity };
  }
  if (options.switchIdentifier === true) {
    return {
      identity: options.identity ?? requested.identity,
      claimedId: options.claimedId ?? options.identity ?? requested.claimedId,
    };
  }
  return { identity: requested.identity, claimedId: options.claimedId ?? requested.claimedId };
}

/** What a positive assertion states (signed later, by the provider). */
export interface PositiveAssertion {
  readonly version: OpenIDVersion;
  /** `openid.op_endpoint` (OpenID 2 only). */
  readonly opEndpoint: string;
  readonly identifiers: RequestedIdentifiers;
  readonly returnTo: string;
  /** `openid.response_nonce` (OpenID 2 only). */
  readonly nonce: string;
}

/**
 * The fields of a positive assertion: `id_res` with op_endpoint, the
 * identifiers (both, or neither for an identifier-less request), return_to
 * and a fresh response_nonce in OpenID 2; identity and return_to in 1.x.
 *
 * @see OpenID 2.0 §10.1; OpenID 1.1 §4.2.2.2
 */
export function positiveAssertion(a: PositiveAssertion): Message {
  const fields = Message.create(a.version).set(OPENID_NS, 'mode', 'id_res');
  const { identity, claimedId } = a.identifiers;
  if (a.version === '2.0') {
    fields.set(OPENID_NS, 'op_endpoint', a.opEndpoint);
    if (identity !== null && claimedId !== null)
      fields.set(OPENID_NS, 'claimed_id', claimedId).set(OPENID_NS, 'identity', identity);
    return fields.set(OPENID_NS, 'return_to', a.returnTo).set(OPENID_NS, 'response_nonce', a.nonce);
  }
  return fields.set(OPENID_NS, 'identity', identity ?? '').set(OPENID_NS, 'return_to', a.returnTo);
}

/**
 * The fields of a negative assertion: `cancel` to a setup request;
 * `setup_needed` to an immediate one in OpenID 2, and in OpenID 1 `id_res`
 * with `user_setup_url` (where the user can finish with interaction).
 * `setupUrl` is only called for that last case.
 *
 * @see OpenID 2.0 §10.2; OpenID 1.1 §4.2.2.1
 */
export function negativeAssertion(
  version: OpenIDVersion,
  immediate: boolean,
  setupUrl: () => string,
): Message {
  const fields = Message.create(version);
  if (!immediate) return fields.set(OPENID_NS, 'mode', 'cancel');
  if (version === '2.0') return fields.set(OPENID_NS, 'mode', 'setup_needed');
  return fields.set(OPENID_NS, 'mode', 'id_res').set(OPENID_NS, 'user_setup_url', setupUrl());
}
