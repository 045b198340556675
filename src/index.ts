/**
 * openid2: OpenID Authentication 2.0 (and 1.1) for TypeScript.
 * This entry re-exports the public API; nothing here has behaviour of its own.
 */

export { type AddressVerdict, classifyAddress } from './discovery/address-policy.js';
export { DiscoveryCache, type DiscoveryCacheOptions } from './discovery/cache.js';
export {
  type DiscoverOptions,
  type DiscoveryResult,
  discover,
  type NormalizedIdentifier,
  type NormalizeIdentifierOptions,
  normalizeIdentifier,
} from './discovery/discover.js';
export {
  discoverEndpointsFromHtml,
  discoverEndpointsFromXrds,
  endpointLocalId,
  type ServiceEndpoint,
} from './discovery/endpoints.js';
export {
  DISCOVERY_ERROR_CODES,
  type DiscoveryErrorCode,
  FETCH_ERROR_CODES,
  type FetchErrorCode,
} from './discovery/error-codes.js';
export {
  createFetcher,
  FETCH_DEFAULTS,
  type Fetcher,
  type FetchOptions,
  type FetchRequest,
  type FetchResponse,
  type ResolvedAddress,
} from './discovery/fetcher.js';
export { findXrdsLocationMeta, type HtmlDiscoveryLinks, parseHtmlLinks } from './discovery/html.js';
export {
  finalXrd,
  parseXrds,
  sortedServices,
  sortedUris,
  type Xrd,
  type XrdsDocument,
  type XrdsLimits,
  type XrdsService,
  type XrdsUri,
} from './discovery/xrds.js';
export { isXri, xriCanonicalId } from './discovery/xri.js';
export { discoverReturnTo, type YadisResult, yadisDiscover } from './discovery/yadis.js';
export { Association, type AssociationInit, isValidHandle } from './protocol/association.js';
export * from './protocol/constants.js';
export * from './protocol/errors.js';
export { normalizeUri } from './protocol/urinorm.js';
