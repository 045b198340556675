/**
 * Byte helpers on `Uint8Array` for code that must run without Node's
 * `Buffer` global (Workers without `nodejs_compat`, Vercel Edge): UTF-8,
 * hex, base64 and base64url, constant-time comparison.
 *
 * Internal module.
 */

const encoder = new TextEncoder();
/** Node's `Buffer` where the runtime has one: a global read when present, never imported. */
const NodeBuffer = (
  globalThis as {
    Buffer?: { from(text: string, encoding: 'base64'): Uint8Array & { toString(encoding: 'utf8'): string } };
  }
).Buffer;
const textDecoder = new TextDecoder();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD, as Buffer does). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Length of `text` in UTF-8 bytes, without encoding it when it is plain ASCII. */
export function utf8Length(text: string): number {
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of an even-length hex string (the caller ensures it is hex). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64 of `bytes` in `alphabet`, with `=` padding or without. */
function encode64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      (alphabet[n >> 18] as string) + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${alphabet[n >> 18]}${alphabet[(n >> 12) & 63]}${pad ? '==' : ''}`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${alphabet[n >> 18]}${alphabet[(n >> 12) & 63]}${alphabet[(n >> 6) & 63]}${pad ? '=' : ''}`;
  }
  return out;
}

/**
 * The ASCII bytes of `bytes` in base64 (`url`: base64url without padding),
 * as `utf8(toBase64(bytes))` gives them, written straight into an array: a
 * MAC is compared as canonical base64 text in constant time, and building the
 * string only to encode it again cost a microsecond a login (issue 25 profile).
 */
export function base64Ascii(bytes: Uint8Array, url = false): Uint8Array {
  const alphabet = url ? URL_ALPHABET : ALPHABET;
  const full = Math.floor(bytes.length / 3);
  const rest = bytes.length - full * 3;
  const size = full * 4 + (rest === 0 ? 0 : url ? rest + 1 : 4);
  const out = new Uint8Array(size);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = alphabet.charCodeAt(n >> 18);
    out[o++] = alphabet.charCodeAt((n >> 12) & 63);
    out[o++] = alphabet.charCodeAt((n >> 6) & 63);
    out[o++] = alphabet.charCodeAt(n & 63);
  }
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = alphabet.charCodeAt(n >> 18);
    out[o++] = alphabet.charCodeAt((n >> 12) & 63);
    if (rest === 2) out[o++] = alphabet.charCodeAt((n >> 6) & 63);
    if (!url) while (o < size) out[o++] = 61; /* = */
  }
  return out;
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return encode64(bytes, ALPHABET, true);
}

/**
 * base64url without padding (RFC 4648 §5), as `Buffer#toString('base64url')`:
 * written directly in its own alphabet (the login state's MAC is encoded on
 * every complete(); three regex passes over standard base64 cost more than
 * the encoding).
 */
export function toBase64Url(bytes: Uint8Array): string {
  return encode64(bytes, URL_ALPHABET, false);
}

/**
 * Decodes base64 or base64url leniently, like `Buffer.from(s, 'base64')`:
 * characters outside both alphabets are skipped and decoding stops at `=`.
 * Protocol values go through encoding.ts's strict decoder, which checks the
 * input first.
 */
export function fromBase64(text: string): Uint8Array {
  // Node's decoder is native and has these very rules; copied out of Buffer's shared pool.
  if (NodeBuffer !== undefined) return new Uint8Array(NodeBuffer.from(text, 'base64'));
  return fromBase64Portable(text);
}

/**
 * The text whose UTF-8 bytes `text` encodes in base64 or base64url, decoded
 * leniently as `fromBase64` then `TextDecoder` would (bad bytes become
 * U+FFFD, a leading BOM is dropped). On Node one native step: the login state
 * is decoded on every complete(), and the copy out of Buffer's pool plus a
 * separate decode cost a microsecond a login (issue 25 profile).
 */
export function textFromBase64(text: string): string {
  if (NodeBuffer === undefined) return textDecoder.decode(fromBase64Portable(text));
  const decoded = NodeBuffer.from(text, 'base64').toString('utf8');
  return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
}

/** `fromBase64` in plain TypeScript: what runs where there is no `Buffer` (tested against Buffer on Node). */
export function fromBase64Portable(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61) break;
    const d = c < 128 ? (DECODE[c] ?? -1) : -1;
    if (d < 0) continue;
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return out.slice(0, n);
}

/** Whether `a` and `b` hold the same bytes, in time independent of where they differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
