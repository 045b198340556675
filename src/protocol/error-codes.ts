/**
 * The codes of the errors thrown below the relying party and the provider: by the
 * message, key-value, association, nonce and URI helpers and by the extension
 * parsers (`protocol`), and by a call the application made wrongly (`usage`).
 * docs/failure-codes.md explains each; a test finds every code thrown in src/ and
 * checks it is in one of the exported lists, so a new code cannot slip in unnamed.
 */

/** Codes of the `ProtocolError`s thrown by the protocol helpers and the extensions. */
export const PROTOCOL_ERROR_CODES = Object.freeze([
  'malformed_message',
  'message_too_large',
  'missing_field',
  'kvform_invalid',
  'kvform_too_large',
  'ns_invalid',
  'ns_alias_invalid',
  'ns_alias_conflict',
  'nonce_malformed',
  'uri_invalid',
  'btwoc_invalid',
  'dh_invalid',
  'base64_invalid',
  'assoc_type_invalid',
  'assoc_handle_invalid',
  'assoc_secret_invalid',
  'assoc_time_invalid',
  'assoc_serialization_invalid',
  'version_error',
  'sreg_invalid',
  'ax_invalid',
  'pape_invalid',
] as const);
/** A code of the protocol helpers' and the extensions' errors. */
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/**
 * Codes of the `OpenIDError`s that say the application called something wrongly: a
 * constructor option (`invalid_option`), a `begin()` no allowed provider can serve
 * (`untrusted_op`, `version_error` for an anonymous request to an OpenID 1 provider),
 * `steamId()` given a success that is not Steam's, a CLI command with no endpoint.
 */
export const USAGE_ERROR_CODES = Object.freeze([
  'invalid_option',
  'untrusted_op',
  'version_error',
  'untrusted_claimed_id',
  'no_endpoint',
] as const);
/** A code of an error caused by how the application called openid2. */
export type UsageErrorCode = (typeof USAGE_ERROR_CODES)[number];
