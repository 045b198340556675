/**
 * The checks of spec §11 on a positive assertion, one pure function per
 * rule. Each returns `{ ok: true }` or a failure with a stable code (the
 * codes of ../docs/security-cases.md §0). No I/O here: discovery and
 * check_authentication happen in relying-party.ts.
 */
import { endpointLocalId, type ServiceEndpoint } from '../discovery/endpoints.js';
import { OPENID2_NS, type OpenIDVersion } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import { type Message, OPENID_NS } from '../protocol/message.js';
import { checkNonceTime } from '../protocol/nonce.js';
import { parseSignedList } from '../protocol/signature.js';
import { normalizeUri, sameUri, stripFragment } from '../protocol/urinorm.js';
import type { CompleteFailureCode } from './failure-codes.js';

/** A failed check: why, as a code and a message. */
export interface CheckFailure {
  ok: false;
  code: CompleteFailureCode;
  message: string;
}
export type Check = { ok: true } | CheckFailure;

const OK: Check = { ok: true };
const fail = (code: CompleteFailureCode, message: string): CheckFailure => ({ ok: false, code, message });

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
  return OK;
}

/** Fields a positive assertion must carry (spec §10.1; OpenID 1.1 §4.2). */
export function checkRequiredFields(message: Message, version: OpenIDVersion): Check {
  const required =
    version === '2.0'
      ? ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle', 'signed', 'sig']
      : ['return_to', 'identity', 'assoc_handle', 'signed', 'sig'];
  for (const key of required) {
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
  return OK;
}

/**
 * The signed list must cover what the spec requires (spec §10.1): in 2.0
 * op_endpoint, return_to, response_nonce, assoc_handle, and claimed_id and
 * identity when present; in 1.x return_to and identity. The list is parsed
 * strictly (no empty or repeated entries).
 */
export function checkSignedList(message: Message, version: OpenIDVersion): Check & { signed?: string[] } {
  let signed: string[];
  try {
    signed = parseSignedList(message.get(OPENID_NS, 'signed') ?? '');
  } catch (e) {
    if (e instanceof OpenIDError) return fail('malformed_message', e.message);
    throw e;
  }
  const need =
    version === '2.0'
      ? ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle']
      : ['return_to', 'identity'];
  if (version === '2.0') {
    if (message.has(OPENID_NS, 'claimed_id')) need.push('claimed_id');
    if (message.has(OPENID_NS, 'identity')) need.push('identity');
  }
  for (const key of need) {
    if (!signed.includes(key)) return fail('missing_signed_field', `openid.${key} is not signed`);
  }
  for (const key of signed) {
    if (!message.has(OPENID_NS, key))
      return fail('signed_field_absent', `openid.signed lists ${key} but it is absent`);
  }
  return { ok: true, signed };
}

/**
 * Spec §11.1: the assertion's return_to must name the URL the response
 * arrived at — same scheme, host, port and path — and every query parameter
 * of return_to must be present in that URL with the same value.
 */
export function checkReturnTo(returnTo: string, actualUrl: string | URL): Check {
  let rt: URL;
  let actual: URL;
  try {
    rt = new URL(returnTo);
    // A URL the caller already parsed is used as is: re-parsing the whole response URL and its
    // query was the largest single cost of complete() (issue 10 profile).
    actual = typeof actualUrl === 'string' ? new URL(actualUrl) : actualUrl;
  } catch {
    return fail('return_to_mismatch', 'return_to or the current URL is not an absolute URL');
  }
  if (rt.protocol !== actual.protocol || rt.host !== actual.host || !samePath(rt, actual)) {
    return fail('return_to_mismatch', `return_to ${returnTo} does not match the URL the response arrived at`);
  }
  const keys = [...rt.searchParams.keys()];
  // A repeated key is ambiguous (which one did the app mean?): refused (RT-11).
  if (new Set(keys).size !== keys.length) {
    return fail('return_to_mismatch', 'return_to repeats a query parameter');
  }
  for (const key of keys) {
    const want = rt.searchParams.getAll(key);
    const got = actual.searchParams.getAll(key);
    if (want.length !== got.length || want.some((v, i) => v !== got[i])) {
      return fail('return_to_mismatch', `query parameter ${key} of return_to is missing or differs`);
    }
  }
  // Stricter than §11.1, as python-openid: a non-OpenID parameter the
  // provider never saw must not ride along (RT-07, e.g. `&next=https://evil.example`).
  for (const key of actual.searchParams.keys()) {
    if (!key.startsWith('openid.') && !rt.searchParams.has(key)) {
      return fail('return_to_mismatch', `the URL carries ${key}, which return_to does not`);
    }
  }
  return OK;
}

/** Paths compared after RFC 3986 normalisation (`%72` is `r`; `%2F`, case and extra slashes still differ). */
function samePath(a: URL, b: URL): boolean {
  if (a.pathname === b.pathname) return true;
  try {
    return normalizeUri(`${a.origin}${a.pathname}`) === normalizeUri(`${b.origin}${b.pathname}`);
  } catch {
    return false;
  }
}

/** Spec §11.3: the response nonce must be well formed and within the skew window. */
export function checkNonceWindow(
  nonce: string | undefined,
  nowSeconds: number,
  skewSeconds: number,
): Check & { timestamp?: number; salt?: string } {
  if (nonce === undefined || nonce === '')
    return fail('nonce_missing', 'the assertion has no response_nonce');
  const r = checkNonceTime(nonce, nowSeconds, { skewSeconds });
  if (!r.ok) return fail(r.code, r.message);
  return { ok: true, timestamp: r.timestamp, salt: nonce.slice(20) };
}

/**
 * Spec §11.2 for OpenID 2.0: the assertion's op_endpoint, claimed_id and
 * identity must agree with one discovered endpoint of the claimed id.
 */
export function checkDiscoveredEndpoint(message: Message, endpoint: ServiceEndpoint): Check {
  if (endpoint.version !== '2.0')
    return fail('discovery_mismatch', 'the endpoint is not an OpenID 2.0 endpoint');
  if (!sameUri(message.get(OPENID_NS, 'op_endpoint'), endpoint.opEndpoint)) {
    return fail('discovery_mismatch', 'op_endpoint differs from the endpoint discovered for the claimed id');
  }
  const claimed = message.get(OPENID_NS, 'claimed_id');
  if (claimed === undefined) return OK;
  if (endpoint.isOpIdentifier || endpoint.claimedId === null) {
    return fail('op_identifier_as_claimed_id', 'the claimed id resolved to an OP identifier, not a user');
  }
  if (!sameUri(stripFragment(claimed), endpoint.claimedId)) {
    return fail('discovery_mismatch', 'claimed_id differs from the discovered claimed identifier');
  }
  if (!sameUri(message.get(OPENID_NS, 'identity'), endpointLocalId(endpoint))) {
    return fail(
      'discovery_mismatch',
      'identity differs from the OP-local identifier discovered for the claimed id',
    );
  }
  return OK;
}

/** Spec §11.2 for OpenID 1: openid.identity must be the delegate (or claimed id) kept from discovery. */
export function checkOpenID1Identity(message: Message, endpoint: ServiceEndpoint): Check {
  if (!sameUri(message.get(OPENID_NS, 'identity'), endpointLocalId(endpoint))) {
    return fail(
      'discovery_mismatch',
      'openid.identity differs from the identifier discovery gave for this login',
    );
  }
  return OK;
}

/** Whether a message says OpenID 2.0 through `openid.ns`. */
export function declaresOpenID2(message: Message): boolean {
  return message.getWire('openid.ns') === OPENID2_NS;
}
