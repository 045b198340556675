/**
 * The stable `code`s of the errors discovery and the fetcher throw, for
 * applications that turn them into user messages.
 *
 * @example
 * if (err instanceof FetchError && err.code === 'fetch_timeout') show('That site took too long to answer.');
 */

/** Codes of {@link FetchError} thrown by the fetcher and by discovery. */
export const FETCH_ERROR_CODES = Object.freeze([
  /** The SSRF guard or a deny rule refused the URL or an address it resolved to; or a non-http(s) scheme. */
  'fetch_blocked',
  /** Not a URL, a URL with credentials, or a bad redirect Location. */
  'fetch_invalid_url',
  /** Plain http with `requireHttps`. */
  'insecure_transport',
  /** The total time budget ran out. */
  'fetch_timeout',
  /** The body was larger than `maxBytes` (after decompression). */
  'fetch_too_large',
  /** The response headers were larger than `maxHeaderBytes`. */
  'fetch_headers_too_large',
  /** More than `maxRedirects` redirects. */
  'too_many_redirects',
  /** The TLS certificate did not verify. */
  'fetch_tls_error',
  /** DNS failure, refused or reset connection, truncated body, unsupported encoding. */
  'fetch_failed',
  /** The caller's AbortSignal fired. */
  'fetch_aborted',
  /** A discovery document answered with a status other than 200 (`status` holds it). */
  'http_status',
] as const);
/** A FetchError code. */
export type FetchErrorCode = (typeof FETCH_ERROR_CODES)[number];

/** Codes of {@link DiscoveryError}. */
export const DISCOVERY_ERROR_CODES = Object.freeze([
  /** The user's input is not a usable http(s) URL or XRI. */
  'identifier_invalid',
  /** An XRI was given and no XRI proxy resolver is configured. */
  'xri_not_configured',
  /** The identifier's documents name no OpenID service. */
  'no_openid_service',
  /** The identifier serves neither HTML nor an XRDS document. */
  'not_discoverable',
  /** The XRDS document is malformed or not XRDS. */
  'xrds_invalid',
  /** The XRDS document has a DOCTYPE (XXE / entity expansion attempt). */
  'xml_dtd_forbidden',
  /** The XRDS document is nested too deeply or has too many elements. */
  'xrds_too_large',
  /** A service names two different OP-local identifiers. */
  'local_id_conflict',
  /** The HTML page names an OP endpoint that is not an http(s) URL. */
  'html_discovery_invalid',
  /** The X-XRDS-Location value is not a URL. */
  'xrds_location_invalid',
  /** The XRI resolver's CanonicalID chain does not hold. */
  'xri_fraud',
  /** Relying-party discovery of a realm was redirected to another URL. */
  'rp_discovery_redirected',
  /** Discovery of a user-supplied identifier where DNS cannot be pinned, with no named providers. */
  'discovery_refused',
  /** `begin()`: every discovered service looked down (unreachable, timed out, 5xx). */
  'provider_unreachable',
] as const);
/** A DiscoveryError code. */
export type DiscoveryErrorCode = (typeof DISCOVERY_ERROR_CODES)[number];
