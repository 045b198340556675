/**
 * The stable codes of the `ProtocolError`s a provider throws while decoding
 * or answering a request; `Provider.encodeError()` turns each into the wire
 * error. docs/failure-codes.md explains each.
 */

/** Codes of a provider's {@link ProtocolError}s. */
export const PROVIDER_ERROR_CODES = Object.freeze([
  'invalid_request',
  'unsupported_type',
  'unsupported_session_type',
  'version_error',
  'no_return_to',
  'return_to_not_in_realm',
  'return_to_malformed',
  'return_to_openid_args',
  'realm_invalid',
  'identity_mismatch',
  'malformed_message',
  'message_too_large',
  'missing_field',
  'dh_invalid',
  'ns_invalid',
  'ns_alias_invalid',
  'ns_alias_conflict',
  'kvform_invalid',
  'kvform_too_large',
] as const);
/** A provider error code. */
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];
