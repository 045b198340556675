/**
 * openid2: OpenID Authentication 2.0 (and 1.1) for TypeScript.
 * This entry re-exports the public API; nothing here has behaviour of its own.
 *
 * The two front doors are {@link RelyingParty} (sign users in with their
 * OpenID) and {@link Provider} (vouch for your users' identities); stores
 * ({@link MemoryStore}, {@link FileStore}; SQLite, PostgreSQL, MySQL and
 * Redis under their own subpaths) hold what processes share. The guides
 * in `docs/` of the repository explain each part.
 *
 * @module openid2
 */

export {
  type HookAnswer,
  type ProviderHandlerOptions,
  providerHandler,
  type RpHandlers,
  type RpHandlersOptions,
  rpHandlers,
  type UnsuccessfulResult,
} from './adapters/web.js';
export {
  type AssociateResult,
  type AssociationPair,
  DEFAULT_PAIRS,
  SessionNegotiator,
} from './associations/negotiation.js';
export { FileQueue, type FileQueueOptions } from './background/file-queue.js';
export { MemoryQueue } from './background/memory-queue.js';
export type {
  AssociationQueue,
  AssociationQueueLike,
  QueuedEndpoint,
  QueueOptions,
  TakenEntry,
  TakeOptions,
} from './background/queue.js';
export type { SqlQueueOptions } from './background/sql-queue.js';
export {
  type RunningWorker,
  runWorkerOnce,
  startAssociationWorker,
  type WorkerOptions,
  type WorkerStats,
} from './background/worker.js';
export {
  type AssociateContext,
  type BeginContext,
  CHANNEL_NAMES,
  type ChannelContexts,
  type ChannelName,
  type CheckAuthContext,
  type CompleteContext,
  type DiscoveryContext,
  type FetchContext,
  type ProviderRequestContext,
  type StoreContext,
  type WorkerJobContext,
} from './diagnostics/channels.js';
export type { AddressVerdict } from './discovery/address-policy.js';
export { DiscoveryCache, type DiscoveryCacheOptions } from './discovery/cache.js';
export { createDefaultFetcher } from './discovery/default-fetcher.js';
export {
  type DiscoverOptions,
  type DiscoveryResult,
  discover,
  type NormalizedIdentifier,
  type NormalizeIdentifierOptions,
  normalizeIdentifier,
} from './discovery/discover.js';
export type { ServiceEndpoint } from './discovery/endpoints.js';
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
export {
  createWebFetcher,
  type GuardedFetcher,
  lacksDnsPinning,
  type WebFetchOptions,
} from './discovery/web-fetcher.js';
export type { XrdsLimits } from './discovery/xrds.js';
export { openQueue, openStore } from './drivers/open.js';
export {
  AX_MODES,
  type AXCount,
  AXFetchRequest,
  AXFetchResponse,
  type AXMode,
  type AXRequestAttributeOptions,
  type AXRequestedAttribute,
  AXStoreRequest,
  AXStoreResponse,
  type AXValues,
  isValidAttributeAlias,
  MAX_AX_ALIAS_LENGTH,
} from './extensions/ax.js';
export { AX_NS, AX_TYPES, AX_TYPES_OPENID_NET, AX_TYPES_SCHEMA_OPENID_NET } from './extensions/ax-types.js';
export {
  addExtensionToMessage,
  type Extension,
  type ExtensionParser,
  type ExtensionRead,
  type ExtensionRequestSource,
  readSignedExtension,
  type VerifiedAssertion,
} from './extensions/extension.js';
export {
  formatAuthTime,
  PAPE_LEVEL_JISA,
  PAPE_LEVEL_NIST,
  PAPE_NS,
  PAPE_POLICY_MULTI_FACTOR,
  PAPE_POLICY_MULTI_FACTOR_PHYSICAL,
  PAPE_POLICY_NONE,
  PAPE_POLICY_PHISHING_RESISTANT,
  PAPERequest,
  type PAPERequestOptions,
  PAPEResponse,
  type PAPEResponseOptions,
  parseAuthTime,
} from './extensions/pape.js';
export {
  isSRegField,
  SREG_FIELDS,
  type SRegData,
  type SRegField,
  type SRegNamespace,
  SRegRequest,
  type SRegRequestOptions,
  SRegResponse,
} from './extensions/sreg.js';
export type { WebResponse } from './op/encoder.js';
export { PROVIDER_ERROR_CODES, type ProviderErrorCode } from './op/error-codes.js';
export {
  type IdentityPageOptions,
  identityPageHead,
  identityPageHtml,
  identityPageHtml1,
  identityPageLinks,
  identityPageXrds,
  opIdentifierXrds,
  renderXrds,
  rpReturnToXrds,
  type XrdsServiceSpec,
} from './op/identity-pages.js';
export { Provider, type ProviderOptions } from './op/provider.js';
export {
  type AllowOptions,
  type AnswerOptions,
  AssociateRequest,
  CheckAuthRequest,
  CheckIDRequest,
  type DenyOptions,
  type OPRequest,
} from './op/requests.js';
export { OPResponse } from './op/response.js';
export type {
  ReturnToRefusalCode,
  ReturnToVerdict,
  VerifiedReturnTo,
} from './op/rules/return-to-discovery.js';
export type { TrustCheck, TrustEvaluation, TrustRule } from './op/trust.js';
export type { RuleCode, RulePass, RuleRefusal, RuleVerdict } from './op/verdict.js';
export { Association, type AssociationInit } from './protocol/association.js';
export {
  type AssociationType,
  IDENTIFIER_SELECT,
  type Mode,
  OPENID1_NS,
  OPENID2_NS,
  type OpenIDVersion,
  type SessionType,
} from './protocol/constants.js';
export type { DhGroupOptions } from './protocol/dh.js';
export {
  PROTOCOL_ERROR_CODES,
  type ProtocolErrorCode,
  USAGE_ERROR_CODES,
  type UsageErrorCode,
} from './protocol/error-codes.js';
export * from './protocol/errors.js';
export {
  type ArgsInput,
  BARE_NS,
  type FormHtmlOptions,
  Message,
  type MessageLimits,
  type NamespaceRef,
  OPENID_NS,
} from './protocol/message.js';
export type { NonceTimeOptions } from './protocol/nonce.js';
export { Realm } from './protocol/realm.js';
export type { SigningKey } from './protocol/signature.js';
export { AuthRequest, type FormMarkupOptions } from './rp/auth-request.js';
export type { BeginFallbackMessage, TriedService } from './rp/begin-fallback.js';
// Failure vocabulary (docs/failure-codes.md) and observability (docs/observability.md).
export {
  ASSOCIATE_FAILURE_CODES,
  type AssociateFailureCode,
  COMPLETE_FAILURE_CODES,
  type CompleteFailureCode,
  isCompleteFailureCode,
} from './rp/failure-codes.js';
export type { FixedProviderOptions } from './rp/fixed-provider.js';
export {
  type BeginOptions,
  type CompleteOptions,
  RelyingParty,
  type RelyingPartyOptions,
  STATE_SESSION_KEY,
} from './rp/relying-party.js';
export type { CancelResult, CompleteResult, FailureResult, SetupNeededResult } from './rp/result.js';
export { SuccessResult } from './rp/result.js';
export type { LoginState, StateSession } from './rp/state.js';
export { STORE_ERROR_CODES, type StoreErrorCode } from './stores/error-codes.js';
export { FileStore, type FileStoreOptions } from './stores/file.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export type { PythonOpenIDImportOptions, PythonOpenIDImportResult } from './stores/python-import.js';
export type { SqlStoreOptions } from './stores/sql.js';
export type { OpenIDStore } from './stores/store.js';
