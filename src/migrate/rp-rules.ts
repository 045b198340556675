/**
 * The relying party's checks of Migration 1.0 §5 and §6, one pure function
 * per rule. No I/O: the fetches (OpenID 2.0 discovery, the issuer document)
 * happen in verify-openid2-id.ts and their results come in as values.
 *
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §5, §6
 */
import { isXri, stripXriScheme } from '../discovery/xri.js';
import { OpenIDError } from '../protocol/errors.js';
import { normalizeUri, stripFragment } from '../protocol/urinorm.js';
import { type MigrationVerdict, pass, refuse } from './verdict.js';

/** ID Token claims, as the app's OpenID Connect library returns them once it has validated the token. */
export type IdTokenClaims = Readonly<Record<string, unknown>>;

/** Codes of the ID Token checks (§5). */
export type IdTokenCheckCode = 'issuer_mismatch' | 'audience_mismatch' | 'subject_missing';

/** Codes of reading `openid2_id`. */
export type OpenID2IdCode = 'openid2_id_missing' | 'openid2_id_invalid' | 'openid2_id_xri_unsupported';

/** Codes of the authority checks (§6). */
export type AuthorityCode =
  | 'discovery_claimed_id_mismatch'
  | 'discovery_no_openid2_endpoint'
  | 'endpoint_authority_mismatch'
  | 'issuer_document_redirected'
  | 'issuer_document_unavailable'
  | 'issuer_document_invalid'
  | 'issuer_document_mismatch'
  | 'xri_issuer_unavailable'
  | 'xri_issuer_mismatch';

/**
 * The ID Token's `iss` must be exactly the issuer the app talked to (§5,
 * OpenID Connect Core §3.1.3.7 step 2). The app's library has checked it
 * already; checking again here costs nothing, and the §6 proof is about
 * this `iss`, so the two must not drift apart.
 */
export function checkIssuer(
  claims: IdTokenClaims,
  expectedIssuer: string,
): MigrationVerdict<string, IdTokenCheckCode> {
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss !== expectedIssuer) {
    return refuse(
      'issuer_mismatch',
      `the ID Token's iss ${String(iss)} is not the expected issuer ${expectedIssuer}`,
    );
  }
  return pass(iss);
}

/**
 * The ID Token must be meant for this client (§5, Core §3.1.3.7 steps 3-5):
 * `aud` is or contains the client_id, and with several audiences `azp` is
 * the client_id. An `openid2_id` in a token issued to another site must not
 * link an account here (Migration §10).
 */
export function checkAudience(
  claims: IdTokenClaims,
  clientId: string,
): MigrationVerdict<string, IdTokenCheckCode> {
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(clientId)) {
    return refuse(
      'audience_mismatch',
      `the ID Token was issued to ${JSON.stringify(aud)}, not to ${clientId}`,
    );
  }
  if (audiences.length > 1 && claims.azp !== clientId) {
    return refuse(
      'audience_mismatch',
      `the ID Token has several audiences and azp ${String(claims.azp)} is not ${clientId}`,
    );
  }
  return pass(clientId);
}

/** The new account key is `iss` + `sub` (Migration §7): `sub` must be a non-empty string. */
export function checkSubject(claims: IdTokenClaims): MigrationVerdict<string, IdTokenCheckCode> {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') return refuse('subject_missing', 'the ID Token has no sub');
  return pass(sub);
}

/** An `openid2_id` read from the ID Token. */
export interface OpenID2Id {
  /** The Verified Claimed Identifier as the provider sent it (fragment kept: OpenID 2.0 §11.5.1); the key of the old account. */
  readonly claimedId: string;
  /** The URL to discover and to ask for the issuer document: the identifier without fragment. */
  readonly url: string;
}

/**
 * Reads the `openid2_id` claim (Migration §4): a string holding an OpenID
 * 2.0 Verified Claimed Identifier. Only http(s) URLs in normalized form are
 * accepted: a claimed identifier is the normalized URL discovery ended at
 * (OpenID 2.0 §7.2), so a provider sending another spelling is not naming
 * the identifier the site stored. XRIs (§6's third way) are refused with
 * their own code.
 */
export function readOpenID2Id(claims: IdTokenClaims): MigrationVerdict<OpenID2Id, OpenID2IdCode> {
  const value = claims.openid2_id;
  if (value === undefined) return refuse('openid2_id_missing', 'the ID Token has no openid2_id claim');
  if (typeof value !== 'string' || value === '') {
    return refuse('openid2_id_invalid', 'the openid2_id claim is not a non-empty string');
  }
  if (isXri(stripXriScheme(value))) {
    return refuse(
      'openid2_id_xri_unsupported',
      `openid2_id ${value} is an XRI; only URL identifiers are verified`,
    );
  }
  let normalized: string;
  try {
    normalized = normalizeUri(value);
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    return refuse('openid2_id_invalid', `openid2_id ${value} is not a valid URL: ${e.message}`);
  }
  if (!/^https?:\/\//.test(normalized) || normalized !== value) {
    return refuse('openid2_id_invalid', `openid2_id ${value} is not a normalized http(s) claimed identifier`);
  }
  return pass({ claimedId: value, url: stripFragment(value) });
}

/** What OpenID 2.0 discovery on the identifier found, as far as §6 needs it. */
export interface DiscoveredIdentifier {
  /** Claimed identifier discovery ended at (after redirects). */
  readonly claimedId: string;
  /** OpenID 2.0 signon endpoints for it (not OP identifiers). */
  readonly opEndpoints: readonly string[];
}

/**
 * Discovery on `openid2_id` must end at that same identifier (a redirect to
 * another page means the other page speaks for the user, OpenID 2.0 §11.2),
 * and must find an OpenID 2.0 provider endpoint for it.
 */
export function checkDiscoveredIdentifier(
  id: OpenID2Id,
  discovered: DiscoveredIdentifier,
): MigrationVerdict<readonly string[], AuthorityCode> {
  if (discovered.claimedId !== id.url) {
    return refuse(
      'discovery_claimed_id_mismatch',
      `discovery on ${id.url} ended at another identifier, ${discovered.claimedId}`,
    );
  }
  if (discovered.opEndpoints.length === 0) {
    return refuse(
      'discovery_no_openid2_endpoint',
      `discovery on ${id.url} found no OpenID 2.0 provider endpoint`,
    );
  }
  return pass(discovered.opEndpoints);
}

/** The authority (host and port) of a URL, lower case; null when it does not parse. */
function authorityOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Migration §6, first way: the OpenID Connect provider is authoritative when
 * the authority of its Authorization Endpoint equals the authority of the
 * OpenID 2.0 OP Endpoint URL that discovery on `openid2_id` found. The spec
 * allows this only when the site knows that this authority runs exactly
 * one OpenID 2.0 provider and one OpenID Connect provider, so the caller
 * decides that (the `sameAuthorityProviders` option) before this rule runs.
 */
export function checkEndpointAuthority(
  opEndpoints: readonly string[],
  authorizationEndpoint: string,
): MigrationVerdict<string, AuthorityCode> {
  const want = authorityOf(authorizationEndpoint);
  for (const endpoint of opEndpoints) {
    if (want !== null && authorityOf(endpoint) === want) return pass(endpoint);
  }
  return refuse(
    'endpoint_authority_mismatch',
    `no OpenID 2.0 endpoint of the identifier (${opEndpoints.join(', ')}) shares the authority of ${authorizationEndpoint}`,
  );
}

/** The answer to the §6 GET on the identifier with `Accept: application/json`. */
export interface IssuerDocumentResponse {
  /** The URL asked. */
  readonly requestedUrl: string;
  /** The URL that answered (after any redirect). */
  readonly finalUrl: string;
  /** HTTP status of the answer. */
  readonly status: number;
  /** Its Content-Type header, if any. */
  readonly contentType: string | null;
  /** Its body, decoded. */
  readonly body: string;
}

/**
 * Migration §6, second way: a GET on the `openid2_id` URL with
 * `Accept: application/json` returns a JSON object whose `iss` is exactly
 * the ID Token's `iss`. The answer must come from the identifier's own URL:
 * a redirect would let another page vouch for it.
 */
export function checkIssuerDocument(
  response: IssuerDocumentResponse,
  iss: string,
): MigrationVerdict<string, AuthorityCode> {
  if (response.finalUrl !== response.requestedUrl) {
    return refuse(
      'issuer_document_redirected',
      `${response.requestedUrl} redirected to ${response.finalUrl} instead of naming its issuer`,
    );
  }
  if (response.status !== 200) {
    return refuse(
      'issuer_document_unavailable',
      `${response.requestedUrl} answered HTTP ${response.status} to a JSON request`,
    );
  }
  const type = (response.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return refuse(
      'issuer_document_unavailable',
      `${response.requestedUrl} answered ${type || 'no content type'}, not JSON`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(response.body);
  } catch {
    return refuse('issuer_document_invalid', `${response.requestedUrl} answered malformed JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return refuse('issuer_document_invalid', `${response.requestedUrl} answered JSON that is not an object`);
  }
  const named = (doc as Record<string, unknown>).iss;
  if (typeof named !== 'string') {
    return refuse(
      'issuer_document_invalid',
      `${response.requestedUrl} answered a JSON object without a string iss`,
    );
  }
  // Exact comparison, as §6 requires: no normalization, no trailing-slash leniency.
  if (named !== iss) {
    return refuse(
      'issuer_document_mismatch',
      `${response.requestedUrl} names ${named} as its issuer, not ${iss}`,
    );
  }
  return pass(named);
}

/**
 * The URL to ask for an XRI's issuer (Migration §6, third way): the
 * resolver (`https://xri.net/` in the spec), the XRI, then `/(+openid_iss)`.
 *
 * @example xriIssuerUrl('https://xri.net/', '=!91F2.8153') // 'https://xri.net/=!91F2.8153/(+openid_iss)'
 */
export function xriIssuerUrl(resolver: string, xri: string): string {
  return `${resolver.endsWith('/') ? resolver : `${resolver}/`}${stripXriScheme(xri)}/(+openid_iss)`;
}

/**
 * Migration §6, third way, for an XRI `openid2_id`: following the
 * resolver's redirects from {@link xriIssuerUrl} ends in a `200 OK` at a
 * URL that is the ID Token's `iss`, except for a trailing slash.
 */
export function checkXriIssuer(
  response: { readonly status: number; readonly finalUrl: string },
  iss: string,
): MigrationVerdict<string, AuthorityCode> {
  if (response.status !== 200) {
    return refuse('xri_issuer_unavailable', `the XRI issuer lookup ended with HTTP ${response.status}`);
  }
  const trim = (u: string) => (u.endsWith('/') ? u.slice(0, -1) : u);
  if (trim(response.finalUrl) !== trim(iss)) {
    return refuse(
      'xri_issuer_mismatch',
      `the XRI forwards to ${response.finalUrl}, not to the issuer ${iss}`,
    );
  }
  return pass(iss);
}
