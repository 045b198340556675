/**
 * `openid2/migrate`: OpenID 2.0 to OpenID Connect Migration 1.0, both sides.
 *
 * Relying party: {@link openid2AuthorizationParams} (§2) on the way out,
 * {@link verifyOpenID2Id} (§5-§7) on the way back. Provider:
 * {@link checkOpenID2Realm} (§3), {@link openid2IdClaim} (§4) and
 * {@link issuerDocument} (§6) for identity pages.
 *
 * @see https://openid.net/specs/openid-connect-migration-1_0.html
 */
export {
  type AcceptedRealm,
  type CheckOpenID2RealmOptions,
  checkAdvertisedReturnTo,
  checkOpenID2Realm,
  checkRedirectUriInRealm,
  type IssuerDocument,
  issuerDocument,
  type OpenID2IdClaim,
  type OpenID2RealmErrorResponse,
  openid2IdClaim,
  parseOpenID2Realm,
  type RealmCheckCode,
  type RealmCheckFailure,
  type RealmCheckVerdict,
  wantsIssuerDocument,
} from './provider.js';
export {
  addOpenID2Realm,
  OPENID2_SCOPE,
  type OpenID2AuthorizationParams,
  openid2AuthorizationParams,
  withOpenID2Scope,
} from './request.js';
export {
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
  type IssuerDocumentResponse,
  type OpenID2Id,
  type OpenID2IdCode,
  readOpenID2Id,
  xriIssuerUrl,
} from './rp-rules.js';
export type { MigrationFailure, MigrationSuccess, MigrationVerdict } from './verdict.js';
export {
  type AuthorityProof,
  type LinkedIdentifier,
  type MigrationFailureCode,
  type VerifyOpenID2IdOptions,
  verifyOpenID2Id,
} from './verify-openid2-id.js';
