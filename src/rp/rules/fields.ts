/**
 * The fields of a positive assertion (spec §10.1; OpenID 1.1 §4.2): its
 * version is the login's, the required fields are there, and the signed list
 * covers what must be signed and names only fields that are present. What
 * passes is what the later rules read: return_to, the association handle
 * and the signed list.
 *
 * @see OpenID 2.0 §10.1, §11.4
 */
import type { OpenIDVersion } from '../../protocol/constants.js';
import { OpenIDError } from '../../protocol/errors.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { parseSignedList } from '../../protocol/signature.js';
import { type Check, refuse as fail, PASS, pass, type Verdict } from './verdict.js';

/** The fields of an assertion that passed {@link checkAssertionFields}. */
export interface AssertionFields {
  /** `openid.return_to` (present, non-empty). */
  readonly returnTo: string;
  /** `openid.assoc_handle` (present, non-empty). */
  readonly assocHandle: string;
  /** The fields `openid.signed` lists, in order. */
  readonly signed: readonly string[];
}

/**
 * The message's version must be the one discovery found for the endpoint;
 * an attacker must not downgrade to the weaker OpenID 1 rules by dropping
 * `openid.ns` (security case SL-07 / NS-01).
 */
export function checkVersion(message: Message, expected: OpenIDVersion): Check {
  const is2 = message.isOpenID2();
  if (expected === '2.0' && !is2)
    return fail('ns_mismatch', 'the provider speaks OpenID 2.0 but the response is not 2.0');
  if (expected !== '2.0' && is2)
    return fail('ns_mismatch', 'the provider speaks OpenID 1 but the response claims 2.0');
  return PASS;
}

const REQUIRED_2 = ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle', 'signed', 'sig'];
const REQUIRED_1 = ['return_to', 'identity', 'assoc_handle', 'signed', 'sig'];

/** Fields a positive assertion must carry (spec §10.1; OpenID 1.1 §4.2). */
export function checkRequiredFields(message: Message, version: OpenIDVersion): Check {
  for (const key of version === '2.0' ? REQUIRED_2 : REQUIRED_1) {
    const v = message.get(OPENID_NS, key);
    if (v === undefined || v === '') {
      // The nonce has its own code, as in the other nonce failures (NO-10).
      const code = key === 'response_nonce' ? 'nonce_missing' : 'missing_field';
      return fail(code, `the assertion has no openid.${key}`);
    }
  }
  if (version === '2.0' && message.has(OPENID_NS, 'claimed_id') !== message.has(OPENID_NS, 'identity')) {
    return fail('missing_field', 'openid.claimed_id and openid.identity must be both present or both absent');
  }
  return PASS;
}

const SIGNED_2 = ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle'];
const SIGNED_1 = ['return_to', 'identity'];
const WHEN_PRESENT_2 = ['claimed_id', 'identity'];

/**
 * The signed list must cover what the spec requires (spec §10.1): in 2.0
 * op_endpoint, return_to, response_nonce, assoc_handle, and claimed_id and
 * identity when present; in 1.x return_to and identity. The list is parsed
 * strictly (no empty or repeated entries).
 */
export function checkSignedList(message: Message, version: OpenIDVersion): Verdict<readonly string[]> {
  let signed: string[];
  try {
    signed = parseSignedList(message.get(OPENID_NS, 'signed') ?? '');
  } catch (e) {
    if (e instanceof OpenIDError) return fail('malformed_message', e.message);
    throw e;
  }
  for (const key of version === '2.0' ? SIGNED_2 : SIGNED_1) {
    if (!signed.includes(key)) return fail('missing_signed_field', `openid.${key} is not signed`);
  }
  if (version === '2.0') {
    for (const key of WHEN_PRESENT_2) {
      if (message.has(OPENID_NS, key) && !signed.includes(key))
        return fail('missing_signed_field', `openid.${key} is not signed`);
    }
  }
  for (const key of signed) {
    if (!message.has(OPENID_NS, key))
      return fail('signed_field_absent', `openid.signed lists ${key} but it is absent`);
  }
  return pass(signed);
}

/** The field rules in order: version, required fields, signed list. */
export function checkAssertionFields(message: Message, version: OpenIDVersion): Verdict<AssertionFields> {
  const v = checkVersion(message, version);
  if (!v.ok) return v;
  const required = checkRequiredFields(message, version);
  if (!required.ok) return required;
  const signed = checkSignedList(message, version);
  if (!signed.ok) return signed;
  // Present and non-empty: checkRequiredFields has just seen them.
  const returnTo = message.get(OPENID_NS, 'return_to') ?? '';
  const assocHandle = message.get(OPENID_NS, 'assoc_handle') ?? '';
  return pass({ returnTo, assocHandle, signed: signed.value });
}
