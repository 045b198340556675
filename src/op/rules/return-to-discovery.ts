/**
 * Relying-party discovery (spec §13, §9.2.1): the realm's XRDS lists a
 * return_to endpoint that return_to matches. Its verdict says why not, so a
 * provider can tell a relying party that publishes no XRDS (most do not)
 * from one whose XRDS leaves this return_to out, or a fetch that failed.
 */
import type { Fetcher } from '../../discovery/fetcher.js';
import { relyingPartyDiscovery } from '../../discovery/yadis.js';
import { FetchError, OpenIDError } from '../../protocol/errors.js';
import { type Realm, returnToMatchesAny } from '../../protocol/realm.js';
import { pass, type RuleVerdict, refuse } from '../verdict.js';
import { realmSyntax } from './realm.js';
import { returnToWithinRealm } from './return-to.js';

/**
 * Why `CheckIDRequest.verifyReturnTo()` did not verify return_to:
 * - `no_return_to`: the request has no return_to;
 * - `realm_invalid`: the realm does not parse;
 * - `return_to_not_in_realm`: return_to lies outside the realm;
 * - `fetch_failed`: fetching the realm failed (blocked, timed out, too large, an HTTP error);
 *   the message names the fetch error code;
 * - `discovery_failed`: the realm answered but discovery failed (it redirected elsewhere,
 *   or its XRDS does not parse);
 * - `no_discovery_document`: the realm serves no XRDS (most relying parties publish none);
 * - `no_return_to_endpoints`: its XRDS lists no return_to endpoint;
 * - `return_to_not_listed`: its XRDS lists return_to endpoints, none matching this return_to.
 */
export type ReturnToRefusalCode =
  | 'no_return_to'
  | 'realm_invalid'
  | 'return_to_not_in_realm'
  | 'fetch_failed'
  | 'discovery_failed'
  | 'no_discovery_document'
  | 'no_return_to_endpoints'
  | 'return_to_not_listed';

/** What relying-party discovery confirmed. */
export interface VerifiedReturnTo {
  /** The URL discovery fetched: the realm, a wildcard's `*.` replaced by `www.`. */
  readonly discoveryUrl: string;
  /** The return_to endpoints the realm's XRDS lists, in priority order (one of them matches). */
  readonly endpoints: readonly string[];
}

/**
 * The answer of `CheckIDRequest.verifyReturnTo()`: `{ ok: true, value }`,
 * or `{ ok: false, code, message }` with a {@link ReturnToRefusalCode}.
 * `message` holds request values: escape it before putting it in a page.
 */
export type ReturnToVerdict = RuleVerdict<VerifiedReturnTo, ReturnToRefusalCode>;

/**
 * Relying-party discovery of `realmText` confirms `returnTo`. Fetches only
 * when the realm parses and covers return_to; never throws for a fetch or
 * discovery failure (an `OpenIDError`), only for a bug.
 *
 * @example
 * const v = await returnToDiscovered('https://rp.example/', 'https://rp.example/return', fetcher);
 * if (!v.ok && v.code === 'no_discovery_document') warnUser();
 * @see OpenID 2.0 §13, §9.2.1
 */
export async function returnToDiscovered(
  realmText: string,
  returnTo: string | null,
  fetcher: Fetcher,
): Promise<ReturnToVerdict> {
  if (returnTo === null) return refuse('no_return_to', 'the request has no return_to to verify');
  const realm = realmSyntax(realmText);
  if (!realm.ok) return refuse('realm_invalid', realm.message);
  const within = returnToWithinRealm(realm.value, realmText, returnTo);
  if (!within.ok) return refuse('return_to_not_in_realm', within.message);
  return realmListsReturnTo(realm.value, returnTo, fetcher);
}

/**
 * The discovery step alone, for a realm already parsed and known to cover
 * return_to (`evaluateTrust()` checks those itself).
 *
 * @see OpenID 2.0 §13
 */
export async function realmListsReturnTo(
  realm: Realm,
  returnTo: string,
  fetcher: Fetcher,
): Promise<ReturnToVerdict> {
  const discoveryUrl = realm.discoveryUrl();
  let found: { readonly hasXrds: boolean; readonly returnTos: readonly string[] };
  try {
    found = await relyingPartyDiscovery(discoveryUrl, fetcher);
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    return refuse(
      e instanceof FetchError ? 'fetch_failed' : 'discovery_failed',
      `relying-party discovery of ${discoveryUrl} failed (${e.code}): ${e.message}`,
    );
  }
  if (!found.hasXrds) return refuse('no_discovery_document', `the realm ${discoveryUrl} serves no XRDS`);
  if (found.returnTos.length === 0)
    return refuse('no_return_to_endpoints', `the realm's XRDS lists no return_to endpoint`);
  if (!returnToMatchesAny(found.returnTos, returnTo))
    return refuse('return_to_not_listed', `the realm's XRDS does not list return_to ${returnTo}`);
  return pass({ discoveryUrl, endpoints: found.returnTos });
}
