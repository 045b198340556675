/**
 * Discovery: what the user typed → normalized identifier → OpenID service
 * endpoints (OpenID 2.0 §7).
 *
 * @see OpenID Authentication 2.0 §7.2 (normalization), §7.3 (discovery)
 */
import { type DiscoveryContext, trace } from '../diagnostics/index.js';
import { DiscoveryError, FetchError, OpenIDError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { normalizeUri, stripFragment } from '../protocol/urinorm.js';
import type { DiscoveryCache } from './cache.js';
import { createDefaultFetcher } from './default-fetcher.js';
import { discoverEndpointsFromHtml, discoverEndpointsFromXrds, type ServiceEndpoint } from './endpoints.js';
import type { Fetcher, FetchOptions } from './fetcher.js';
import { parseXrds } from './xrds.js';
import { isXri, stripXriScheme, xriCanonicalId, xriProxyUrl } from './xri.js';
import { XRDS_CONTENT_TYPE, yadisDiscover } from './yadis.js';

/** A user-supplied identifier after §7.2 normalization. */
export interface NormalizedIdentifier {
  /** `url` for http(s) identifiers, `xri` for i-names / i-numbers. */
  readonly type: 'url' | 'xri';
  /** The normalized URL (fragment dropped), or the XRI without `xri://`. */
  readonly value: string;
}

/** Options of {@link normalizeIdentifier}. */
export interface NormalizeIdentifierOptions {
  /** XRI proxy resolver URL; without it XRIs are refused (`xri_not_configured`). */
  xriProxy?: string | undefined;
}

/**
 * Normalizes a user-supplied identifier (§7.2): trim; strip `xri://`; an
 * identifier starting with `= @ + $ !` or `(` is an XRI; otherwise `http://`
 * is added when no scheme is given, the fragment dropped and the URL
 * normalized with {@link normalizeUri}. Only http and https URLs are
 * accepted.
 *
 * Throws DiscoveryError: `identifier_invalid` (empty, another scheme, not a
 * valid URL), `xri_not_configured` (an XRI without `xriProxy`).
 *
 * @example
 * normalizeIdentifier('Example.com/alice#me') // { type: 'url', value: 'http://example.com/alice' }
 * @see OpenID Authentication 2.0 §7.2
 */
export function normalizeIdentifier(
  input: string,
  options: NormalizeIdentifierOptions = {},
): NormalizedIdentifier {
  const trimmed = input.trim();
  if (trimmed === '') throw new DiscoveryError('identifier_invalid', 'the identifier is empty', input);
  const stripped = stripXriScheme(trimmed);
  if (isXri(stripped)) {
    if (!options.xriProxy) {
      throw new DiscoveryError(
        'xri_not_configured',
        `${inert(stripped)} is an XRI, and XRI resolution is not configured (set the xriProxy option to an XRI proxy resolver)`,
        input,
      );
    }
    return { type: 'xri', value: stripped };
  }
  if (stripped !== trimmed) {
    throw new DiscoveryError('identifier_invalid', `${inert(trimmed)} is not an XRI`, input);
  }
  let url = trimmed;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(.?)/.exec(trimmed);
  // `host:8080/path` has no scheme: what follows the colon is a port.
  const hasScheme = scheme !== null && !/^[0-9]?$/.test(scheme[2] ?? '');
  if (hasScheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name !== 'http' && name !== 'https') {
      throw new DiscoveryError(
        'identifier_invalid',
        `only http and https identifiers are supported, not ${inert(name, 40)}:`,
        input,
      );
    }
  } else {
    url = `http://${trimmed}`;
  }
  try {
    return { type: 'url', value: normalizeUri(stripFragment(url)) };
  } catch (err) {
    if (!(err instanceof OpenIDError)) throw err;
    throw new DiscoveryError('identifier_invalid', err.message, input, { cause: err });
  }
}

/** What discovery found for one identifier. */
export interface DiscoveryResult {
  /** The claimed identifier: the final URL after redirects (normalized), or an XRI's CanonicalID. */
  readonly claimedId: string;
  /** The normalized input (§7.2) that was discovered; the cache key. */
  readonly normalizedInput: string;
  /** Whether the input was a URL or an XRI. */
  readonly identifierType: 'url' | 'xri';
  /** Endpoints in preference order; never empty. */
  readonly endpoints: readonly ServiceEndpoint[];
}

/** Options of {@link discover}. */
export interface DiscoverOptions {
  /** The fetcher to use. Default: `createDefaultFetcher(fetch)`. */
  fetcher?: Fetcher | undefined;
  /** Options for the default fetcher (ignored when `fetcher` is given). */
  fetch?: FetchOptions | undefined;
  /** XRI proxy resolver URL (e.g. `https://xri.example/`); XRIs are refused without it. */
  xriProxy?: string | undefined;
  /** Cache of results, shared by all logins of a RelyingParty. */
  cache?: DiscoveryCache | undefined;
}

function claimedIdFromFinalUrl(finalUrl: string, input: string): string {
  try {
    return normalizeUri(stripFragment(finalUrl));
  } catch (err) {
    throw new DiscoveryError(
      'identifier_invalid',
      `discovery ended at an invalid URL ${inert(finalUrl)}`,
      input,
      {
        cause: err,
      },
    );
  }
}

async function discoverUrl(url: string, fetcher: Fetcher): Promise<DiscoveryResult> {
  const y = await yadisDiscover(url, fetcher);
  const claimedId = claimedIdFromFinalUrl(y.finalUrl, url);
  let endpoints: ServiceEndpoint[] = [];
  let xrdsError: DiscoveryError | null = null;
  if (y.xrdsText !== null) {
    try {
      endpoints = discoverEndpointsFromXrds(claimedId, y.xrdsText);
    } catch (err) {
      // A broken XRDS falls back to the page's links; a hostile one (DOCTYPE,
      // oversized) or a contradictory one (two local ids) fails discovery.
      if (!(err instanceof DiscoveryError) || err.code !== 'xrds_invalid') throw err;
      xrdsError = err;
    }
  }
  if (endpoints.length === 0 && y.html !== null) {
    endpoints = discoverEndpointsFromHtml(claimedId, y.html, y.finalUrl);
  }
  if (endpoints.length === 0) {
    if (xrdsError !== null) throw xrdsError;
    if (y.xrdsText === null && y.html === null) {
      throw new DiscoveryError(
        'not_discoverable',
        `${inert(y.finalUrl)} served ${y.contentType === null ? 'an untyped body' : inert(y.contentType, 80)}, neither HTML nor an XRDS document`,
        url,
      );
    }
    throw new DiscoveryError('no_openid_service', `no OpenID service found at ${inert(y.finalUrl)}`, url);
  }
  return { claimedId, normalizedInput: url, identifierType: 'url', endpoints };
}

async function discoverXri(xri: string, proxy: string, fetcher: Fetcher): Promise<DiscoveryResult> {
  const res = await fetcher(xriProxyUrl(proxy, xri), { headers: { accept: XRDS_CONTENT_TYPE } });
  if (res.status !== 200) {
    throw new FetchError('http_status', `the XRI resolver answered HTTP ${res.status} for ${inert(xri)}`, {
      url: res.url,
      status: res.status,
    });
  }
  const doc = parseXrds(res.text());
  const canonicalId = xriCanonicalId(xri, doc);
  if (canonicalId === null) {
    throw new DiscoveryError(
      'no_openid_service',
      `the XRI resolver gave no CanonicalID for ${inert(xri)}`,
      xri,
    );
  }
  const endpoints = discoverEndpointsFromXrds(canonicalId, doc);
  if (endpoints.length === 0)
    throw new DiscoveryError('no_openid_service', `no OpenID service for ${inert(xri)}`, xri);
  return { claimedId: canonicalId, normalizedInput: xri, identifierType: 'xri', endpoints };
}

/**
 * Discovers the OpenID endpoints of a user-supplied identifier: normalize
 * (§7.2), then Yadis/XRDS (§7.3.1), falling back to HTML links (§7.3.3)
 * when there is no XRDS or it lists no OpenID service. XRIs go through the
 * configured `xriProxy`. Every request goes through the guarded fetcher.
 *
 * Errors: DiscoveryError (`identifier_invalid`, `xri_not_configured`,
 * `no_openid_service`, `not_discoverable`, `xrds_invalid`,
 * `xml_dtd_forbidden`, `xrds_too_large`, `local_id_conflict`,
 * `html_discovery_invalid`, `xri_fraud`) and FetchError (`http_status`,
 * `fetch_blocked`, `fetch_timeout`, `fetch_too_large`,
 * `too_many_redirects`, `fetch_failed`, ...).
 *
 * @example
 * const { claimedId, endpoints } = await discover('alice.example', { cache });
 * const best = endpoints[0];
 * @see OpenID Authentication 2.0 §7
 */
export function discover(identifier: string, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  return trace('openid2:discovery', { identifier }, async (ctx) => {
    const r = await discoverUntraced(identifier, options, ctx);
    ctx.claimedId = r.claimedId;
    ctx.services = r.endpoints.length;
    ctx.endpoints = r.endpoints.map((e) => e.opEndpoint);
    return r;
  });
}

async function discoverUntraced(
  identifier: string,
  options: DiscoverOptions,
  ctx: DiscoveryContext,
): Promise<DiscoveryResult> {
  const normalized = normalizeIdentifier(identifier, { xriProxy: options.xriProxy });
  const cached = options.cache?.get(normalized.value);
  ctx.cached = cached !== undefined;
  if (cached !== undefined) return cached;
  const fetcher = options.fetcher ?? createDefaultFetcher(options.fetch ?? {});
  const result =
    normalized.type === 'xri'
      ? await discoverXri(normalized.value, options.xriProxy as string, fetcher)
      : await discoverUrl(normalized.value, fetcher);
  options.cache?.set(normalized.value, result);
  // The cached (frozen, detached) copy when there is one, so the first caller gets what later ones get.
  return options.cache?.get(normalized.value) ?? result;
}
