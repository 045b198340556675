/**
 * Message signatures (spec §6): HMAC-SHA1 / HMAC-SHA256 over the key-value
 * form of the signed fields, in the order `openid.signed` lists them.
 *
 * @example
 * signMessage(message, association);            // sets assoc_handle, signed, sig
 * verifyMessageSignature(message, association); // { ok: true } or a reason
 */
import { base64Ascii, toBase64, utf8 } from '../platform/bytes.js';
import { constantTimeEqual, hmac } from '../platform/hash.js';
import type { Association } from './association.js';
import { AlreadySignedError, ProtocolError } from './errors.js';
import * as kvform from './kvform.js';
import { Message, OPENID_NS } from './message.js';

/** What signing needs of an association: its handle, type and secret. */
export type SigningKey = Pick<Association, 'handle' | 'assocType' | 'secret'>;

/** Raw HMAC of `text` with the association's secret and algorithm. */
export function computeMac(association: SigningKey, text: string | Uint8Array): Uint8Array {
  const algorithm = association.assocType === 'HMAC-SHA256' ? 'sha256' : 'sha1';
  return hmac(algorithm, association.secret, text);
}

/**
 * Parse `openid.signed` strictly: a comma-separated list of non-empty field
 * names without spaces or repeats (security case SIG-05).
 */
export function parseSignedList(value: string): string[] {
  const keys = value.split(',');
  // A short list (a login's has about ten) is checked for repeats pairwise: a Set hashed
  // every entry anew on every login (issue 25 profile). A long one gets the Set (linear).
  const seen = keys.length > SHORT_LIST ? new Set<string>() : null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k.length === 0) throw new ProtocolError('malformed_message', 'openid.signed has an empty entry');
    if (!isVisibleAscii(k))
      throw new ProtocolError('malformed_message', 'openid.signed has an invalid entry');
    if (seen === null ? keys.indexOf(k) < i : seen.has(k))
      throw new ProtocolError('malformed_message', `openid.signed lists ${k} twice`);
    seen?.add(k);
  }
  return keys;
}

/** Longest signed list checked for repeats pairwise. */
const SHORT_LIST = 24;

/** Every character of `k` is printable ASCII without space (0x21–0x7e). */
function isVisibleAscii(k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * The key-value text that is signed for `keys`: each `openid.<key>` value of
 * the message in the listed order. A listed field that is absent is an error
 * (`signed_field_absent`, security case SIG-04), never an empty value.
 */
export function signedText(message: Message, keys: readonly string[]): string {
  const pairs: [string, string][] = [];
  for (const key of keys) {
    const value = message.get(OPENID_NS, key);
    if (value === undefined) {
      throw new ProtocolError(
        'signed_field_absent',
        `openid.signed lists ${key} but the message has no openid.${key}`,
      );
    }
    pairs.push([key, value]);
  }
  return kvform.serialize(pairs);
}

/** Options of `signMessage`. */
export interface SignOptions {
  /**
   * Fields to sign, without `openid.`; default: every `openid.` field of the
   * message (including `ns`, extension fields and their declarations),
   * sorted, plus `assoc_handle` and `signed`.
   */
  signedKeys?: readonly string[];
}

/**
 * Sign a message in place: sets `openid.assoc_handle`, `openid.signed` and
 * `openid.sig`. Throws `AlreadySignedError` if it carries a signature already.
 */
export function signMessage(message: Message, association: SigningKey, options: SignOptions = {}): Message {
  if (message.has(OPENID_NS, 'sig') || message.has(OPENID_NS, 'signed')) throw new AlreadySignedError();
  message.set(OPENID_NS, 'assoc_handle', association.handle);
  let keys: string[];
  if (options.signedKeys) {
    keys = [...options.signedKeys];
    for (const required of ['assoc_handle', 'signed']) if (!keys.includes(required)) keys.push(required);
  } else {
    keys = Object.keys(message.toOpenIDArgs());
    keys.push('signed');
    keys.sort();
  }
  message.set(OPENID_NS, 'signed', keys.join(','));
  const mac = computeMac(association, signedText(message, keys));
  message.set(OPENID_NS, 'sig', toBase64(mac));
  return message;
}

/** Outcome of checking a signature: ok, or why not. */
export type SignatureCheck =
  | {
      /** The signature is valid. */
      ok: true;
      /** The keys `openid.signed` lists, which the signature covers. */
      signedKeys: string[];
    }
  | {
      /** The signature is refused. */
      ok: false;
      /** Why the signature is refused. */
      code: 'missing_signature' | 'malformed_message' | 'signed_field_absent' | 'bad_signature';
      /** A sentence for logs. */
      message: string;
    };

/**
 * Check a message's signature with `association`, in constant time. The
 * algorithm is the association's, never a hint from the message (SIG-07).
 * The signature is compared as canonical base64 text, so a non-canonical
 * encoding of the right bytes does not pass (SIG-06).
 */
export function verifyMessageSignature(message: Message, association: SigningKey): SignatureCheck {
  const sig = message.get(OPENID_NS, 'sig');
  const signed = message.get(OPENID_NS, 'signed');
  if (sig === undefined || signed === undefined) {
    return {
      ok: false,
      code: 'missing_signature',
      message: 'the message has no openid.sig or openid.signed',
    };
  }
  let keys: string[];
  try {
    keys = parseSignedList(signed);
  } catch (e) {
    if (e instanceof ProtocolError) return { ok: false, code: 'malformed_message', message: e.message };
    throw e;
  }
  const r = verifySignatureOver(message, keys, sig, association);
  return r.ok ? { ok: true, signedKeys: keys } : r;
}

/**
 * The check of `verifyMessageSignature` for a signed list already parsed
 * (strictly, by `parseSignedList`) from the message's `openid.signed`: the
 * relying party parses that list once per login, for the §10.1 coverage rule
 * and for this (it was parsed twice, a tenth of a login's CPU with what
 * surrounds it — issue 25 profile). `sig` is the message's `openid.sig`.
 */
export function verifySignatureOver(
  message: Message,
  keys: readonly string[],
  sig: string,
  association: SigningKey,
): { ok: true } | Extract<SignatureCheck, { ok: false }> {
  let text: string;
  try {
    text = signedText(message, keys);
  } catch (e) {
    if (e instanceof ProtocolError) {
      return {
        ok: false,
        code: e.code === 'signed_field_absent' ? e.code : 'malformed_message',
        message: e.message,
      };
    }
    throw e;
  }
  // The canonical base64 text's bytes (`utf8(toBase64(mac))`), written directly.
  const expected = base64Ascii(computeMac(association, text));
  const given = utf8(sig);
  return constantTimeEqual(expected, given)
    ? SIGNATURE_MATCHES
    : { ok: false, code: 'bad_signature', message: 'the signature does not match' };
}

const SIGNATURE_MATCHES = { ok: true } as const;

/**
 * A copy of `message` holding only what the signature covers: the listed
 * `openid.` fields, plus `openid.ns` (the version is checked separately
 * against what discovery found). An extension's alias declaration
 * (`openid.ns.<alias>`) is kept only when it is signed itself in OpenID 2,
 * so an attacker cannot re-point signed values at another extension. Extension
 * readers on the relying party read from this view only: unsigned values
 * never reach the application (security case EXT-01).
 */
export function signedSubset(message: Message, signedKeys: readonly string[]): Message {
  const keep = new Set(signedKeys.map((k) => `openid.${k}`));
  const entries: [string, string][] = [];
  const ns = message.getWire('openid.ns');
  if (ns !== undefined) entries.push(['openid.ns', ns]);
  for (const [k, v] of message.entries()) {
    if (k === 'openid.ns' || !keep.has(k)) continue;
    entries.push([k, v]);
  }
  return Message.fromPostArgs(entries);
}
