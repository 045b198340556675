/**
 * The relying party's pipeline of Migration 1.0 §5-§7: from the claims of
 * an ID Token the app's OpenID Connect library has validated, to the
 * OpenID 2.0 identifier the new `iss` + `sub` may be linked to, or a
 * failure with a code. Each rule is a function of rp-rules.ts; this file
 * only orders them and does the fetching, through openid2's guarded
 * fetcher and OpenID 2.0 discovery.
 */
import type { DiscoveryCache } from '../discovery/cache.js';
import { discover } from '../discovery/discover.js';
import { createFetcher, type Fetcher, type FetchOptions } from '../discovery/fetcher.js';
import { OpenIDError } from '../protocol/errors.js';
import { Realm } from '../protocol/realm.js';
import { normalizeUri } from '../protocol/urinorm.js';
import {
  type AuthorityCode,
  checkAudience,
  checkDiscoveredIdentifier,
  checkEndpointAuthority,
  checkIssuer,
  checkIssuerDocument,
  checkSubject,
  checkXriIssuer,
  type DiscoveredIdentifier,
  type IdTokenCheckCode,
  type IdTokenClaims,
  type OpenID2Id,
  type OpenID2IdCode,
  readOpenID2Id,
  xriIssuerUrl,
} from './rp-rules.js';
import { type MigrationFailure, type MigrationVerdict, pass, refuse } from './verdict.js';

/** Every failure code of {@link verifyOpenID2Id}. */
export type MigrationFailureCode =
  | 'realm_invalid'
  | IdTokenCheckCode
  | OpenID2IdCode
  | AuthorityCode
  | 'discovery_failed';

/** How the provider was shown to be authoritative for the identifier (Migration §6). */
export type AuthorityProof =
  | {
      /** §6 first way: the OpenID 2.0 endpoint found by discovery shares the Authorization Endpoint's authority. */
      readonly method: 'endpoint-authority';
      /** The OpenID 2.0 OP Endpoint URL discovery found. */
      readonly opEndpoint: string;
    }
  | {
      /** §6 second way: the identifier URL, asked for JSON, names this issuer. */
      readonly method: 'issuer-document';
    }
  | {
      /** §6 third way: the XRI's `(+openid_iss)` forwards to this issuer. */
      readonly method: 'xri-forwarding';
    };

/** An OpenID 2.0 identifier proven to belong to the ID Token's subject. */
export interface LinkedIdentifier {
  /** The OpenID 2.0 Verified Claimed Identifier: look the old account up by it (Migration §7). */
  readonly openid2Id: string;
  /** The realm the request sent, canonical form (the old account was created under it). */
  readonly realm: string;
  /** The new account key: `iss` ... */
  readonly issuer: string;
  /** ... and `sub` (Migration §7, Core §5.7). */
  readonly subject: string;
  /** Which way of §6 established the link. */
  readonly proof: AuthorityProof;
}

/** Options of {@link verifyOpenID2Id}. */
export interface VerifyOpenID2IdOptions {
  /** Claims of the ID Token, already validated by the app's OpenID Connect library (signature, exp, nonce). */
  readonly claims: IdTokenClaims;
  /** The issuer the app talked to (from its discovery metadata or configuration). */
  readonly issuer: string;
  /** This site's client_id at that issuer. */
  readonly clientId: string;
  /** The realm the request sent as `openid2_realm`. */
  readonly realm: string;
  /**
   * The provider's Authorization Endpoint. Needed only for §6's first way
   * (see `sameAuthorityProviders`).
   */
  readonly authorizationEndpoint?: string | undefined;
  /**
   * Authorities (`host` or `host:port`) that the site KNOWS serve exactly
   * one OpenID 2.0 provider and one OpenID Connect provider (Migration §6,
   * first way). For these, an identifier whose discovered OP Endpoint URL
   * has the Authorization Endpoint's authority is accepted without asking
   * the identifier for its issuer. Empty by default: only the second way
   * (the identifier names its issuer) is used, as §10 advises when in doubt.
   */
  readonly sameAuthorityProviders?: readonly string[] | undefined;
  /**
   * XRI resolver for §6's third way (the spec names `https://xri.net/`).
   * Unset by default: an XRI `openid2_id` is then refused with
   * `openid2_id_xri_unsupported` (xri.net no longer answers).
   */
  readonly xriIssuerResolver?: string | undefined;
  /** The fetcher for discovery and the issuer document. Default: `createFetcher(fetch)` (SSRF-guarded). */
  readonly fetcher?: Fetcher | undefined;
  /** Options of the default fetcher. */
  readonly fetch?: FetchOptions | undefined;
  /** Discovery cache, as a RelyingParty uses. */
  readonly discoveryCache?: DiscoveryCache | undefined;
}

/**
 * Verifies the `openid2_id` claim of a validated ID Token and, when the
 * provider is authoritative for it, returns the identifier to link to the
 * new `iss` + `sub`. Rules in spec order: the realm the site sent parses;
 * the token is from `issuer`, for `clientId`, with a `sub` (§5); it holds a
 * URL `openid2_id` (§4); the provider is authoritative for it (§6) — first
 * way when the Authorization Endpoint's authority is listed in
 * `sameAuthorityProviders` (OpenID 2.0 discovery on the identifier must end
 * at it and find an OP Endpoint URL with that authority), else (or when the
 * first way fails) the second way (a GET with `Accept: application/json` on
 * the identifier answers `{"iss": <the token's iss>}`). An XRI `openid2_id`
 * is checked the third way (forwarding of `(+openid_iss)`) when
 * `xriIssuerResolver` is set, and refused otherwise.
 *
 * Never throws for bad input or a misbehaving peer: every failure is a
 * verdict with a {@link MigrationFailureCode}.
 *
 * @example
 * const tokens = await client.authorizationCodeGrant(config, currentUrl, checks);
 * const verdict = await verifyOpenID2Id({
 *   claims: tokens.claims()!, issuer: config.serverMetadata().issuer,
 *   clientId: 'my-client', realm: 'https://app.example/',
 * });
 * if (verdict.ok) await accounts.link(verdict.value.openid2Id, verdict.value.issuer, verdict.value.subject);
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §5, §6, §7
 */
export async function verifyOpenID2Id(
  options: VerifyOpenID2IdOptions,
): Promise<MigrationVerdict<LinkedIdentifier, MigrationFailureCode>> {
  const realm = Realm.parse(options.realm);
  if (realm === null) return refuse('realm_invalid', `${options.realm} is not an OpenID 2.0 realm`);
  const iss = checkIssuer(options.claims, options.issuer);
  if (!iss.ok) return iss;
  const aud = checkAudience(options.claims, options.clientId);
  if (!aud.ok) return aud;
  const sub = checkSubject(options.claims);
  if (!sub.ok) return sub;
  const fetcher = options.fetcher ?? createFetcher(options.fetch ?? {});
  const id = readOpenID2Id(options.claims);
  if (!id.ok) {
    if (id.code === 'openid2_id_xri_unsupported' && options.xriIssuerResolver !== undefined) {
      const xri = options.claims.openid2_id as string;
      const verdict = await byXriForwarding(xri, options.xriIssuerResolver, iss.value, fetcher);
      if (!verdict.ok) return verdict;
      return pass<LinkedIdentifier>({
        openid2Id: xri,
        realm: realm.toString(),
        issuer: iss.value,
        subject: sub.value,
        proof: { method: 'xri-forwarding' },
      });
    }
    return id;
  }

  const link = (proof: AuthorityProof) =>
    pass<LinkedIdentifier>({
      openid2Id: id.value.claimedId,
      realm: realm.toString(),
      issuer: iss.value,
      subject: sub.value,
      proof,
    });

  let firstWay: MigrationFailure<MigrationFailureCode> | null = null;
  if (usesFirstWay(options)) {
    const verdict = await byEndpointAuthority(
      id.value,
      options.authorizationEndpoint as string,
      fetcher,
      options,
    );
    if (verdict.ok) return link({ method: 'endpoint-authority', opEndpoint: verdict.value });
    firstWay = verdict;
  }
  const second = await byIssuerDocument(id.value, iss.value, fetcher);
  if (second.ok) return link({ method: 'issuer-document' });
  // Both ways failed: report the second (it always runs), mentioning the first.
  return firstWay === null
    ? second
    : refuse(second.code, `${second.message}; and by endpoint authority: ${firstWay.message}`);
}

function usesFirstWay(options: VerifyOpenID2IdOptions): boolean {
  if (options.authorizationEndpoint === undefined || !options.sameAuthorityProviders?.length) return false;
  let authority: string;
  try {
    authority = new URL(options.authorizationEndpoint).host.toLowerCase();
  } catch {
    return false;
  }
  return options.sameAuthorityProviders.some((a) => a.toLowerCase() === authority);
}

async function byEndpointAuthority(
  id: OpenID2Id,
  authorizationEndpoint: string,
  fetcher: Fetcher,
  options: VerifyOpenID2IdOptions,
): Promise<MigrationVerdict<string, MigrationFailureCode>> {
  let discovered: DiscoveredIdentifier;
  try {
    const result = await discover(id.url, { fetcher, cache: options.discoveryCache });
    discovered = {
      claimedId: result.claimedId,
      // Signon endpoints for this identifier only: an OP identifier element
      // (identifier_select) speaks for nobody in particular.
      opEndpoints: result.endpoints
        .filter((e) => e.version === '2.0' && !e.isOpIdentifier && e.claimedId === result.claimedId)
        .map((e) => e.opEndpoint),
    };
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    return refuse('discovery_failed', `OpenID 2.0 discovery on ${id.url} failed: ${e.message}`);
  }
  const endpoints = checkDiscoveredIdentifier(id, discovered);
  if (!endpoints.ok) return endpoints;
  return checkEndpointAuthority(endpoints.value, authorizationEndpoint);
}

async function byIssuerDocument(
  id: OpenID2Id,
  iss: string,
  fetcher: Fetcher,
): Promise<MigrationVerdict<string, MigrationFailureCode>> {
  const requestedUrl = new URL(id.url).href;
  try {
    const res = await fetcher(requestedUrl, { headers: { accept: 'application/json' } });
    return checkIssuerDocument(
      {
        requestedUrl,
        finalUrl: sameSpelling(res.url),
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: res.text(),
      },
      iss,
    );
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    return refuse(
      'issuer_document_unavailable',
      `asking ${requestedUrl} for its issuer failed: ${e.message}`,
    );
  }
}

/** The fetcher reports final URLs as WHATWG serializes them; so is `requestedUrl`. */
function sameSpelling(url: string): string {
  try {
    return new URL(normalizeUri(url)).href;
  } catch {
    return url;
  }
}

async function byXriForwarding(
  xri: string,
  resolver: string,
  iss: string,
  fetcher: Fetcher,
): Promise<MigrationVerdict<string, MigrationFailureCode>> {
  const url = xriIssuerUrl(resolver, xri);
  try {
    // The spec has the relying party follow the resolver's redirects; the
    // fetcher does, within its redirect limit, checking every hop.
    const res = await fetcher(url);
    return checkXriIssuer({ status: res.status, finalUrl: res.url }, iss);
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    return refuse('xri_issuer_unavailable', `asking ${url} for the XRI's issuer failed: ${e.message}`);
  }
}
