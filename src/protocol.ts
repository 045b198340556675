/**
 * openid2/protocol: the building blocks under the front doors of the root
 * entry. Messages and key-value form, MACs and signed lists, Diffie-Hellman,
 * base64 and btwoc, nonces, realms, URI normalisation, the discovery parsers
 * (XRDS, HTML links, Yadis, XRI), the raw association exchange and the
 * `Cookie` header parser the adapters read their state cookie with. Use them
 * to build or test your own flow; an application signing users in or
 * answering as a provider starts from `openid2` instead (docs/architecture.md).
 *
 * @module openid2/protocol
 */

export { type CookiePair, cookieValues, parseCookieHeader } from './adapters/cookie-header.js';
// Negotiation memory shared by the relying party and the worker (issue 24).
export {
  DEFAULT_REFUSED_TTL_SECONDS,
  DEFAULT_UNREACHABLE_TTL_SECONDS,
  EndpointMemory,
  type EndpointMemoryOptions,
  type NegotiateOptions,
  type NegotiationResult,
  negotiateAssociation,
} from './associations/negotiate.js';
export {
  type AssociateResult,
  type AssociationPair,
  associate,
  buildAssociateRequest,
  DEFAULT_PAIRS,
  processAssociateResponse,
  SessionNegotiator,
} from './associations/negotiation.js';
export { type AddressVerdict, classifyAddress } from './discovery/address-policy.js';
export {
  discoverEndpointsFromHtml,
  discoverEndpointsFromXrds,
  endpointLocalId,
  type ServiceEndpoint,
} from './discovery/endpoints.js';
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
export {
  type AnswerDiffieHellmanOptions,
  answerDiffieHellman,
  type ConsumerSession,
  type ConsumerSessionOptions,
  createConsumerSession,
  DEFAULT_DH_GENERATOR,
  DEFAULT_DH_MODULUS,
  DEFAULT_MAX_DH_MODULUS_BITS,
  type DhGroupOptions,
  MIN_DH_MODULUS_BITS,
} from './protocol/dh.js';
export { type DhEngine, DhGroup } from './protocol/dh-group.js';
export {
  base64ToLong,
  btwoc,
  decodeBase64Strict,
  encodeBase64,
  longToBase64,
  unbtwoc,
} from './protocol/encoding.js';
export * as kvform from './protocol/kvform.js';
export {
  type ArgsInput,
  BARE_NS,
  escapeHtml,
  type FormHtmlOptions,
  isValidAlias,
  Message,
  type MessageLimits,
  type NamespaceRef,
  OPENID_NS,
} from './protocol/message.js';
export {
  checkNonceTime,
  DEFAULT_NONCE_SALT_LENGTH,
  DEFAULT_NONCE_SKEW,
  MAX_NONCE_LENGTH,
  makeNonce,
  type NonceParts,
  type NonceTimeCheck,
  type NonceTimeOptions,
  splitNonce,
} from './protocol/nonce.js';
export { Realm, returnToMatchesAny } from './protocol/realm.js';
export {
  computeMac,
  parseSignedList,
  type SignatureCheck,
  type SigningKey,
  type SignOptions,
  signedSubset,
  signedText,
  signMessage,
  verifyMessageSignature,
} from './protocol/signature.js';
export { normalizeUri } from './protocol/urinorm.js';
