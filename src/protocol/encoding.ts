/**
 * Byte and integer encodings of OpenID: `btwoc` big integers (spec §4.2) and
 * strict base64 (spec §4.1.2, RFC 3548 / 4648 standard alphabet).
 *
 * Node's `Buffer.from(s, 'base64')` decodes whatever it can and silently
 * skips the rest (`"QUJD!!!RA=="` gives `ABCD`), so two different strings
 * could decode to the same signature or key. Everything the protocol decodes
 * goes through {@link decodeBase64Strict} instead.
 */
import { fromBase64, fromHex, toBase64, toHex } from '../platform/bytes.js';
import { ProtocolError } from './errors.js';

/** Standard base64 with exact `=` padding; the re-encoding check below also catches stray padding bits. */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64 of `bytes`, padded.
 *
 * @example encodeBase64(new Uint8Array([1, 2])) // 'AQI='
 */
export function encodeBase64(bytes: Uint8Array): string {
  return toBase64(bytes);
}

/**
 * Decodes canonical standard base64 and nothing else: alphabet `A-Z a-z 0-9
 * + /`, exact `=` padding, no whitespace or line breaks, unused bits zero
 * (re-encoding the result gives the input back). The empty string decodes to
 * zero bytes.
 *
 * @throws ProtocolError `base64_invalid` for any other input.
 * @example decodeBase64Strict('AQI=') // Uint8Array [1, 2]
 * @see OpenID 2.0 §4.1.2 (base64 in messages)
 */
export function decodeBase64Strict(text: string): Uint8Array {
  if (typeof text !== 'string' || !BASE64_RE.test(text)) {
    throw new ProtocolError('base64_invalid', 'value is not canonical base64');
  }
  const buf = fromBase64(text);
  if (toBase64(buf) !== text) {
    throw new ProtocolError('base64_invalid', 'value is not canonical base64 (non-zero padding bits)');
  }
  return buf;
}

/**
 * Big-endian two's-complement bytes of `n`, as short as possible: a leading
 * `0x00` is added when the high bit of a non-negative value is set, and zero
 * is one `0x00` byte.
 *
 * @example btwoc(255n) // Uint8Array [0x00, 0xff]
 * @see OpenID 2.0 §4.2 (Integer representations)
 */
export function btwoc(n: bigint): Uint8Array {
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    // A set high bit would read back as negative: prefix a sign byte.
    if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return fromHex(hex);
  }
  // Negative: the smallest byte count whose two's-complement range holds n.
  let bytes = 1;
  while (n < -(1n << BigInt(bytes * 8 - 1))) bytes += 1;
  const value = (1n << BigInt(bytes * 8)) + n;
  return fromHex(value.toString(16).padStart(bytes * 2, '0'));
}

/**
 * Reads big-endian two's-complement bytes (the inverse of {@link btwoc}).
 * Redundant leading sign bytes are accepted: the value is unambiguous.
 *
 * @throws ProtocolError `btwoc_invalid` for an empty input (it encodes no number).
 * @example unbtwoc(Uint8Array.of(0x00, 0xff)) // 255n
 */
export function unbtwoc(bytes: Uint8Array): bigint {
  if (bytes.length === 0) {
    throw new ProtocolError('btwoc_invalid', 'an integer needs at least one byte');
  }
  const unsigned = BigInt(`0x${toHex(bytes)}`);
  const first = bytes[0] ?? 0;
  return first >= 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/**
 * `base64(btwoc(n))`, the form of DH values on the wire.
 *
 * @example longToBase64(2n) // 'Ag=='
 * @see OpenID 2.0 §8.1.2
 */
export function longToBase64(n: bigint): string {
  return encodeBase64(btwoc(n));
}

/**
 * Strictly decodes `base64(btwoc(n))`.
 *
 * @throws ProtocolError `base64_invalid` or `btwoc_invalid`.
 * @example base64ToLong('AP8=') // 255n
 */
export function base64ToLong(text: string): bigint {
  return unbtwoc(decodeBase64Strict(text));
}
