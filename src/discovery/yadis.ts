/**
 * The Yadis protocol over a {@link Fetcher}: find the XRDS document of a URL
 * by content type, `X-XRDS-Location` header, or
 * `<meta http-equiv="X-XRDS-Location">`. Also relying-party discovery for
 * providers (§13), which reuses it.
 *
 * @see Yadis Specification 1.0 §6; OpenID Authentication 2.0 §7.3.1, §13
 */
import { TYPE_RP_RETURN_TO } from '../protocol/constants.js';
import { DiscoveryError, FetchError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { normalizeUri } from '../protocol/urinorm.js';
import { mediaType } from './charset.js';
import type { Fetcher, FetchResponse } from './fetcher.js';
import { findXrdsLocationMeta } from './html.js';
import { finalXrd, parseXrds, sortedServices, sortedUris } from './xrds.js';

/** The XRDS media type. */
export const XRDS_CONTENT_TYPE = 'application/xrds+xml';

/** Accept header of Yadis requests: XRDS preferred, HTML (for the meta tag and link discovery) accepted. */
export const YADIS_ACCEPT = 'application/xrds+xml, text/html;q=0.9, application/xhtml+xml;q=0.9, */*;q=0.1';

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/** What Yadis found for a URL. */
export interface YadisResult {
  /** The URL asked for. */
  readonly requestedUrl: string;
  /** The final URL of the first request, after redirects: the claimed identifier (§7.2). */
  readonly finalUrl: string;
  /** Where the XRDS document came from, or null when there is none. */
  readonly xrdsUrl: string | null;
  /** The XRDS document's text, or null. */
  readonly xrdsText: string | null;
  /** The first response's body when it was HTML (or untyped), for HTML discovery; else null. */
  readonly html: string | null;
  /** Media type of the first response, lower-cased, or null. */
  readonly contentType: string | null;
}

function requireOk(res: FetchResponse, what: string): void {
  if (res.status !== 200) {
    throw new FetchError('http_status', `${what} ${inert(res.url)} answered HTTP ${res.status}`, {
      url: res.url,
      status: res.status,
    });
  }
}

/**
 * Runs Yadis discovery on `url`: one GET asking for XRDS; a response served
 * as `application/xrds+xml` is the document; otherwise the
 * `X-XRDS-Location` header (any case) or, in an HTML response, the meta
 * tag points to it (resolved against the final URL and fetched once more,
 * through the same guarded fetcher). Non-200 answers throw FetchError
 * `http_status`.
 *
 * @example
 * const y = await yadisDiscover('https://alice.example/', createFetcher());
 * if (y.xrdsText) parseXrds(y.xrdsText);
 */
export async function yadisDiscover(url: string, fetcher: Fetcher): Promise<YadisResult> {
  const first = await fetcher(url, { headers: { accept: YADIS_ACCEPT } });
  requireOk(first, 'the identifier');
  const contentType = mediaType(first.headers.get('content-type'));
  const base = { requestedUrl: url, finalUrl: first.url, contentType };
  if (contentType === XRDS_CONTENT_TYPE) {
    return { ...base, xrdsUrl: first.url, xrdsText: first.text(), html: null };
  }
  const html = contentType === null || HTML_TYPES.has(contentType) ? first.text() : null;
  let location = first.headers.get('x-xrds-location');
  if (location === null && html !== null) location = findXrdsLocationMeta(html);
  location = location?.trim() ?? '';
  if (location === '') return { ...base, xrdsUrl: null, xrdsText: null, html };

  let target: string;
  try {
    target = new URL(location, first.url).href;
  } catch (err) {
    throw new DiscoveryError('xrds_location_invalid', `bad X-XRDS-Location ${inert(location)}`, url, {
      cause: err,
    });
  }
  const second = await fetcher(target, { headers: { accept: XRDS_CONTENT_TYPE } });
  requireOk(second, 'the XRDS document at');
  return { ...base, xrdsUrl: second.url, xrdsText: second.text(), html };
}

function sameUrl(a: string, b: string): boolean {
  try {
    return normalizeUri(a) === normalizeUri(b);
  } catch {
    return a === b;
  }
}

/**
 * Relying-party discovery (§13): the return_to URLs a realm advertises in
 * its XRDS under `http://specs.openid.net/auth/2.0/return_to`, in priority
 * order. A provider calls it with the realm URL (a wildcard realm with
 * `*.` replaced by `www.`). Returns [] when the realm has no XRDS; throws
 * DiscoveryError `rp_discovery_redirected` when the realm URL redirects
 * elsewhere (the advertised URLs would then speak for another site), plus
 * fetch and XRDS errors.
 *
 * @example
 * const allowed = await discoverReturnTo('https://rp.example/', fetcher);
 * @see OpenID Authentication 2.0 §13, §9.2.1
 */
export async function discoverReturnTo(realmDiscoveryUrl: string, fetcher: Fetcher): Promise<string[]> {
  return [...(await relyingPartyDiscovery(realmDiscoveryUrl, fetcher)).returnTos];
}

/** What relying-party discovery found: whether the realm serves an XRDS, and the return_to URLs it lists. */
export interface RelyingPartyXrds {
  /** Whether the realm URL led to an XRDS document. */
  readonly hasXrds: boolean;
  /** The return_to URLs the XRDS lists, in priority order (empty without one). */
  readonly returnTos: readonly string[];
}

/**
 * `discoverReturnTo`, telling a realm without an XRDS apart from one
 * whose XRDS lists no return_to endpoint (the provider's
 * `verifyReturnTo()` reports which). Throws as `discoverReturnTo` does.
 *
 * @see OpenID Authentication 2.0 §13
 */
export async function relyingPartyDiscovery(
  realmDiscoveryUrl: string,
  fetcher: Fetcher,
): Promise<RelyingPartyXrds> {
  const y = await yadisDiscover(realmDiscoveryUrl, fetcher);
  if (!sameUrl(y.finalUrl, realmDiscoveryUrl)) {
    throw new DiscoveryError(
      'rp_discovery_redirected',
      `relying party discovery of ${inert(realmDiscoveryUrl)} was redirected to ${inert(y.finalUrl)}`,
      realmDiscoveryUrl,
    );
  }
  if (y.xrdsText === null) return { hasXrds: false, returnTos: [] };
  const urls: string[] = [];
  for (const service of sortedServices(finalXrd(parseXrds(y.xrdsText)))) {
    if (!service.types.includes(TYPE_RP_RETURN_TO)) continue;
    for (const { uri } of sortedUris(service)) urls.push(uri);
  }
  return { hasXrds: true, returnTos: urls };
}
