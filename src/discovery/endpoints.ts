/**
 * OpenID service endpoints from discovered documents: pure functions over
 * XRDS and HTML, no I/O.
 *
 * @see OpenID Authentication 2.0 §7.3.2 (XRDS), §7.3.3 (HTML), §14.2.1 (1.x)
 */
import {
  type OpenIDVersion,
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
  TYPE_OPENID_1_0,
  TYPE_OPENID_1_1,
} from '../protocol/constants.js';
import { DiscoveryError, OpenIDError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { normalizeUri } from '../protocol/urinorm.js';
import { parseHtmlLinks } from './html.js';
import {
  finalXrd,
  parseXrds,
  sortedServices,
  sortedUris,
  type XrdsDocument,
  type XrdsService,
} from './xrds.js';

/** One OP endpoint to talk to, as discovery found it. */
export interface ServiceEndpoint {
  /** Protocol version the endpoint speaks (the highest its types announce). */
  readonly version: OpenIDVersion;
  /** The OP endpoint URL, as advertised (compare with normalizeUri on both sides). */
  readonly opEndpoint: string;
  /** The claimed identifier; null for an OP identifier (identifier_select). */
  readonly claimedId: string | null;
  /** The OP-local identifier (LocalID / openid:Delegate / openid2.local_id), when one was given. */
  readonly localId: string | null;
  /** Every service type URI of the element the endpoint came from. */
  readonly types: readonly string[];
  /** True for an OP Identifier Element (type `.../2.0/server`). */
  readonly isOpIdentifier: boolean;
  /** Where it was found. */
  readonly source: 'xrds' | 'html';
}

/**
 * The identifier to send as `openid.identity`: the OP-local identifier when
 * discovery gave one, else the claimed identifier (§7.3.2.1.2). Null for
 * an OP identifier (the request then uses identifier_select).
 */
export function endpointLocalId(endpoint: ServiceEndpoint): string | null {
  return endpoint.localId ?? endpoint.claimedId;
}

function isHttpUrl(value: string): boolean {
  try {
    normalizeUri(value);
    return true;
  } catch (err) {
    if (err instanceof OpenIDError) return false;
    throw err;
  }
}

/** The one OP-local identifier of a service; differing values make the service unusable (python-openid rule). */
function serviceLocalId(service: XrdsService, claimedId: string | null): string | null {
  const types = service.types;
  const useDelegate = types.includes(TYPE_OPENID_1_1) || types.includes(TYPE_OPENID_1_0);
  const useLocalId = types.includes(TYPE_CLAIMED_IDENTIFIER);
  let found: string | null = null;
  for (const { kind, value } of service.localIds) {
    if ((kind === 'Delegate' && !useDelegate) || (kind === 'LocalID' && !useLocalId)) continue;
    if (found === null) found = value;
    else if (found !== value) {
      throw new DiscoveryError(
        'local_id_conflict',
        `a service lists two different OP-local identifiers: ${inert(found)} and ${inert(value)}`,
        claimedId ?? undefined,
      );
    }
  }
  return found;
}

function rank(types: readonly string[]): number {
  if (types.includes(TYPE_OP_IDENTIFIER)) return 0;
  if (types.includes(TYPE_CLAIMED_IDENTIFIER)) return 1;
  if (types.includes(TYPE_OPENID_1_1)) return 2;
  if (types.includes(TYPE_OPENID_1_0)) return 3;
  return 4;
}

const VERSIONS: readonly OpenIDVersion[] = ['2.0', '2.0', '1.1', '1.0'];

/** Most endpoints one discovery result keeps (in preference order). */
export const MAX_ENDPOINTS_PER_RESULT = 16;

/** Most service types kept per endpoint (the OpenID and extension types come first in real documents). */
export const MAX_TYPES_PER_ENDPOINT = 32;

/**
 * The OpenID endpoints of an XRDS document (its last XRD), for a claimed
 * identifier. Order: services by priority, URIs within a service by
 * priority; then OP Identifier elements, Claimed Identifier elements,
 * OpenID 1.1 and 1.0 signon elements. When any OP Identifier element is
 * present only those are returned (§7.3.2.2: the RP searches for an OP
 * Identifier Element first). URIs that are not valid http(s) URLs are
 * skipped. Throws DiscoveryError `local_id_conflict` when a service names
 * two different OP-local identifiers, and the errors of {@link parseXrds}.
 *
 * @example
 * discoverEndpointsFromXrds('https://alice.example/', xrdsText)
 * @see OpenID Authentication 2.0 §7.3.2
 */
export function discoverEndpointsFromXrds(
  claimedId: string | null,
  xrds: string | XrdsDocument,
): ServiceEndpoint[] {
  const doc = typeof xrds === 'string' ? parseXrds(xrds) : xrds;
  const endpoints: { rank: number; endpoint: ServiceEndpoint }[] = [];
  for (const service of sortedServices(finalXrd(doc))) {
    const r = rank(service.types);
    if (r === 4) continue;
    const isOp = r === 0;
    const localId = isOp ? null : serviceLocalId(service, claimedId);
    for (const { uri } of sortedUris(service)) {
      if (!isHttpUrl(uri)) continue;
      endpoints.push({
        rank: r,
        endpoint: {
          version: VERSIONS[r] as OpenIDVersion,
          opEndpoint: uri,
          claimedId: isOp ? null : claimedId,
          localId,
          types: service.types.slice(0, MAX_TYPES_PER_ENDPOINT),
          isOpIdentifier: isOp,
          source: 'xrds',
        },
      });
    }
  }
  const ordered = endpoints
    .map((e, index) => ({ ...e, index }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((e) => e.endpoint);
  const opIdentifiers = ordered.filter((e) => e.isOpIdentifier);
  // A real identifier lists a handful of endpoints; a hostile XRDS lists thousands, each of which
  // would be kept (and cached) for every login. The most preferred ones are kept.
  return (opIdentifiers.length > 0 ? opIdentifiers : ordered).slice(0, MAX_ENDPOINTS_PER_RESULT);
}

/**
 * The OpenID endpoints of an HTML identity page: `openid2.provider` (+
 * `openid2.local_id`) first, then `openid.server` (+ `openid.delegate`).
 * Relative hrefs resolve against `baseUrl` (the page's final URL; defaults
 * to the claimed identifier). Throws DiscoveryError `html_discovery_invalid`
 * when the page names a provider but no usable http(s) URL for it.
 *
 * @example
 * discoverEndpointsFromHtml('https://alice.example/', html)
 * @see OpenID Authentication 2.0 §7.3.3
 */
export function discoverEndpointsFromHtml(
  claimedId: string,
  html: string,
  baseUrl: string = claimedId,
): ServiceEndpoint[] {
  const links = parseHtmlLinks(html, baseUrl);
  const endpoints: ServiceEndpoint[] = [];
  const rejected: string[] = [];
  const add = (op: string | null, localId: string | null, version: OpenIDVersion, type: string): void => {
    if (op === null) return;
    if (!isHttpUrl(op)) {
      rejected.push(op);
      return;
    }
    endpoints.push({
      version,
      opEndpoint: op,
      claimedId,
      localId,
      types: [type],
      isOpIdentifier: false,
      source: 'html',
    });
  };
  add(links.provider, links.localId, '2.0', TYPE_CLAIMED_IDENTIFIER);
  add(links.server, links.delegate, '1.1', TYPE_OPENID_1_1);
  if (endpoints.length === 0 && rejected.length > 0) {
    throw new DiscoveryError(
      'html_discovery_invalid',
      `the page names an OP endpoint that is not an http(s) URL: ${rejected
        .slice(0, 3)
        .map((r) => inert(r, 200))
        .join(', ')}${rejected.length > 3 ? ` and ${rejected.length - 3} more` : ''}`,
      claimedId,
    );
  }
  return endpoints;
}
