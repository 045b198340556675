/**
 * Provider side of Migration 1.0, for a provider that runs OpenID Connect
 * (e.g. `oidc-provider`) beside openid2's `Provider`: check a request's
 * `openid2_realm` against its `redirect_uri` (§3), build the `openid2_id`
 * claim (§4), and answer the identifier URL's JSON request of §6.
 *
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §3, §4, §6
 */

import { createFetcher, type Fetcher, type FetchOptions } from '../discovery/fetcher.js';
import { discoverReturnTo } from '../discovery/yadis.js';
import { OpenIDError } from '../protocol/errors.js';
import { Realm, returnToMatchesAny } from '../protocol/realm.js';
import {
  type MigrationFailure,
  type MigrationSuccess,
  type MigrationVerdict,
  pass,
  refuse,
} from './verdict.js';

/** Why an `openid2_realm` was refused. */
export type RealmCheckCode =
  | 'realm_invalid'
  | 'realm_insane'
  | 'redirect_uri_outside_realm'
  | 'rp_discovery_failed'
  | 'rp_discovery_no_match';

/**
 * The error response for a refused realm. Migration §4.1 adds no error
 * codes, so this is OpenID Connect Core's own `invalid_request`
 * (Core §3.1.2.6). A provider may instead carry on and leave `openid2_id`
 * out, which §4 also allows (the claim is returned only after the relying
 * party was verified): see {@link openid2IdClaim}.
 */
export interface OpenID2RealmErrorResponse {
  /** The OAuth 2.0 error code (RFC 6749 §4.1.2.1): the request has an invalid parameter. */
  readonly error: 'invalid_request';
  /** Which check refused the realm, for the client developer. */
  readonly error_description: string;
}

/** A refused realm: the code, and the error response to send. */
export interface RealmCheckFailure extends MigrationFailure<RealmCheckCode> {
  /** The authorization error response to send back to the client. */
  readonly errorResponse: OpenID2RealmErrorResponse;
}

/** An accepted realm. */
export interface AcceptedRealm {
  /** The realm, canonical form (what per-realm identifiers are keyed by); null when the request sent none. */
  readonly realm: string | null;
  /** What relying-party discovery showed: the redirect_uri is advertised, or it could not be run and the option allowed that. */
  readonly relyingPartyDiscovery: 'verified' | 'unavailable' | 'not-run';
}

/** The verdict of {@link checkOpenID2Realm}: the accepted realm, or a refusal with its error response. */
export type RealmCheckVerdict = MigrationSuccess<AcceptedRealm> | RealmCheckFailure;

/** Step 1 of §3: the realm is a realm (OpenID 2.0 §9.2) and names one site (§9.2.2, not `https://*.com/`). */
export function parseOpenID2Realm(text: string): MigrationVerdict<Realm, 'realm_invalid' | 'realm_insane'> {
  const realm = Realm.parse(text);
  if (realm === null) return refuse('realm_invalid', `openid2_realm ${text} is not an OpenID 2.0 realm`);
  if (!realm.isSane()) return refuse('realm_insane', `openid2_realm ${text} covers too many sites`);
  return pass(realm);
}

/**
 * Step 2 of §3: the client's `redirect_uri` lies within the realm, by the
 * realm matching rules of OpenID 2.0 §9.2. Without it a client could ask
 * for the identifier another site's realm was given (per-realm identifiers).
 */
export function checkRedirectUriInRealm(
  realm: Realm,
  redirectUri: string,
): MigrationVerdict<string, 'redirect_uri_outside_realm'> {
  if (!realm.validateUrl(redirectUri)) {
    return refuse(
      'redirect_uri_outside_realm',
      `redirect_uri ${redirectUri} is not within openid2_realm ${realm.toString()}`,
    );
  }
  return pass(redirectUri);
}

/**
 * Step 3 of §3: relying-party discovery (OpenID 2.0 §9.2.1, §13) — the
 * realm's XRDS advertises a return_to endpoint that the `redirect_uri`
 * matches. This is what ties a realm shared by several clients (one host,
 * many apps) to this client's redirect_uri.
 */
export function checkAdvertisedReturnTo(
  advertised: readonly string[],
  redirectUri: string,
): MigrationVerdict<string, 'rp_discovery_failed' | 'rp_discovery_no_match'> {
  if (advertised.length === 0) {
    return refuse(
      'rp_discovery_failed',
      'the realm advertises no return_to endpoint (relying-party discovery)',
    );
  }
  if (!returnToMatchesAny(advertised, redirectUri)) {
    return refuse(
      'rp_discovery_no_match',
      `the realm does not advertise redirect_uri ${redirectUri} as a return_to endpoint`,
    );
  }
  return pass(redirectUri);
}

/** Options of {@link checkOpenID2Realm}. */
export interface CheckOpenID2RealmOptions {
  /** The request's `openid2_realm`; undefined when absent (then there is nothing to check, §2). */
  readonly openid2Realm: string | undefined;
  /** The request's (already validated, registered) `redirect_uri`. */
  readonly redirectUri: string;
  /**
   * `'required'` (default): relying-party discovery must advertise the
   * redirect_uri. `'when-available'`: a realm with no XRDS, or one that
   * cannot be fetched, is accepted on realm matching alone (OpenID 2.0 made
   * relying-party discovery a SHOULD); a realm whose XRDS lists other
   * return_to URLs is still refused.
   */
  readonly relyingPartyDiscovery?: 'required' | 'when-available';
  /** Fetcher for relying-party discovery. Default: `createFetcher(fetch)` (SSRF-guarded). */
  readonly fetcher?: Fetcher | undefined;
  /** Options of the default fetcher. */
  readonly fetch?: FetchOptions | undefined;
}

/**
 * Checks an authentication request's `openid2_realm` (Migration §3: "the
 * OP MUST verify that the realm and RP's Redirect URI match as per
 * Section 9.2 of OpenID 2.0"): it is a sane realm (§9.2.2), the
 * `redirect_uri` lies within it (§9.2), and relying-party discovery on it
 * (§9.2.1, a SHOULD there, required here by default) advertises the
 * `redirect_uri`. A refusal carries an `invalid_request` error response
 * the provider may send; or it answers without `openid2_id` (§4). Never
 * throws for bad input.
 *
 * @example
 * // oidc-provider: extraParams: { async openid2_realm(ctx, value, client) { ... } }
 * const verdict = await checkOpenID2Realm({ openid2Realm: value, redirectUri: ctx.oidc.params.redirect_uri });
 * if (!verdict.ok) throw new errors.InvalidRequest(verdict.errorResponse.error_description);
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §3, §4.1
 */
export async function checkOpenID2Realm(options: CheckOpenID2RealmOptions): Promise<RealmCheckVerdict> {
  if (options.openid2Realm === undefined) return pass({ realm: null, relyingPartyDiscovery: 'not-run' });
  const realm = parseOpenID2Realm(options.openid2Realm);
  if (!realm.ok) return withErrorResponse(realm);
  const inRealm = checkRedirectUriInRealm(realm.value, options.redirectUri);
  if (!inRealm.ok) return withErrorResponse(inRealm);

  const fetcher = options.fetcher ?? createFetcher(options.fetch ?? {});
  let advertised: string[];
  try {
    advertised = await discoverReturnTo(realm.value.discoveryUrl(), fetcher);
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    if (options.relyingPartyDiscovery === 'when-available') {
      return pass({ realm: realm.value.toString(), relyingPartyDiscovery: 'unavailable' });
    }
    return withErrorResponse(
      refuse('rp_discovery_failed', `relying-party discovery on the realm failed: ${e.message}`),
    );
  }
  if (advertised.length === 0 && options.relyingPartyDiscovery === 'when-available') {
    return pass({ realm: realm.value.toString(), relyingPartyDiscovery: 'unavailable' });
  }
  const discovered = checkAdvertisedReturnTo(advertised, options.redirectUri);
  if (!discovered.ok) return withErrorResponse(discovered);
  return pass({ realm: realm.value.toString(), relyingPartyDiscovery: 'verified' });
}

function withErrorResponse(failure: MigrationFailure<RealmCheckCode>): RealmCheckFailure {
  return { ...failure, errorResponse: { error: 'invalid_request', error_description: failure.message } };
}

/** The claims {@link openid2IdClaim} adds to an ID Token. */
export interface OpenID2IdClaim {
  /** The user's OpenID 2.0 Verified Claimed Identifier; absent when there is none. */
  openid2_id?: string;
}

/**
 * The `openid2_id` claim for the ID Token (Migration §4): the user's
 * OpenID 2.0 Verified Claimed Identifier, as the provider asserted it to
 * this realm. With no identifier (the user has none, the realm check failed
 * and the provider chose to answer anyway, or the request sent no realm and
 * the provider issues per-realm identifiers) the claim is left out, as §4
 * requires ("MUST NOT include this claim"); §4.1 defines no error for it.
 *
 * @example Object.assign(idTokenClaims, openid2IdClaim('https://op.example/id/alice'));
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §4, §4.1
 */
export function openid2IdClaim(identifier: string | null | undefined): OpenID2IdClaim {
  return identifier ? { openid2_id: identifier } : {};
}

/**
 * Whether a request to an identity page asks for the §6 issuer document
 * (its `Accept` prefers JSON, as the relying party's GET does). Yadis
 * requests (`application/xrds+xml`) and browsers (`text/html`) do not.
 */
export function wantsIssuerDocument(accept: string | null | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  return types[0] === 'application/json';
}

/** An HTTP answer, framework-neutral, as the provider's other answers are. */
export interface IssuerDocument {
  /** Always 200. */
  status: 200;
  /** `content-type: application/json`, `vary: Accept`, `cache-control: no-store`. */
  headers: Record<string, string>;
  /** `{"iss": "<issuer>"}`. */
  body: string;
}

/**
 * The answer an identity page gives to the §6 JSON request: `{"iss": issuer}`,
 * naming the OpenID Connect provider that may assert this identifier. Serve
 * it on every identifier URL the provider issues (it keeps working after the
 * OpenID 2.0 endpoint is shut down, Migration §8.1).
 *
 * @example if (wantsIssuerDocument(req.headers.get('accept'))) return issuerDocument('https://op.example');
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §6, §8.1
 */
export function issuerDocument(issuer: string): IssuerDocument {
  return {
    status: 200,
    // Vary: the same URL serves HTML and XRDS to other Accept values.
    headers: { 'content-type': 'application/json', vary: 'Accept', 'cache-control': 'no-store' },
    body: JSON.stringify({ iss: issuer }),
  };
}
