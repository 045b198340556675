/**
 * The stable codes of a relying party's failures: what `complete()` (and the
 * Steam adapter's screening) put in `FailureResult.code`, and why
 * `associate()` gave no association. Switch on them; the messages change.
 * docs/failure-codes.md explains each with what the operator should do.
 *
 * @example
 * if (result.status === 'failure' && result.code === 'nonce_replay') ...
 */

/** Every code of a {@link FailureResult} from `RelyingParty.complete()` or an adapter. */
export const COMPLETE_FAILURE_CODES = Object.freeze([
  'malformed_message',
  'ns_mismatch',
  'missing_field',
  'missing_signed_field',
  'signed_field_absent',
  'missing_signature',
  'bad_signature',
  'return_to_mismatch',
  'session_binding_failed',
  'nonce_missing',
  'nonce_malformed',
  'nonce_skew',
  'nonce_replay',
  'discovery_mismatch',
  'discovery_failed',
  'op_identifier_as_claimed_id',
  'check_auth_failed',
  'insecure_transport',
  'state_invalid',
  'state_expired',
  'unsolicited_rejected',
  'state_used',
  'untrusted_op',
  'untrusted_claimed_id',
  'unexpected_field',
  'store_unavailable',
  'op_error',
  'unexpected_mode',
  'setup_url_untrusted',
  'state_replayed',
  'internal_error',
] as const);
/** A {@link FailureResult} code. */
export type CompleteFailureCode = (typeof COMPLETE_FAILURE_CODES)[number];

/** Whether `code` is a {@link CompleteFailureCode}. */
export function isCompleteFailureCode(code: string): code is CompleteFailureCode {
  return (COMPLETE_FAILURE_CODES as readonly string[]).includes(code);
}

/** Why `associate()` returned no association (besides the fetch codes of a failed request). */
export const ASSOCIATE_FAILURE_CODES = Object.freeze([
  'assoc_no_pair',
  'assoc_refused',
  'assoc_response_invalid',
  'assoc_unsupported',
] as const);
/** An {@link ASSOCIATE_FAILURE_CODES} member. */
export type AssociateFailureCode = (typeof ASSOCIATE_FAILURE_CODES)[number];
