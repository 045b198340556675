/**
 * Quoting outside input inertly. Every message that repeats text from the network or the user
 * (an identifier, a URL found in a hostile page, a provider's `openid.error`) goes through
 * {@link inert}: control characters (C0, DEL, C1), line and paragraph separators, bidirectional
 * overrides and lone surrogates are written as visible escapes, and the text is cut to a length
 * cap, so a document cannot forge log lines, drive a terminal or flood a log.
 *
 * @example
 * throw new DiscoveryError('no_openid_service', `no OpenID service found at ${inert(url)}`);
 */

/** Longest quoted value kept, in UTF-16 code units (longer values are cut and say how much was cut). */
export const INERT_MAX_CHARS = 300;

// C0, DEL, C1; LRM/RLM, LS/PS, bidi embeddings/overrides/isolates; any surrogate (pairs are
// re-admitted below); BOM / zero-width no-break space.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udfff]/gu;

function escapeChar(c: string): string {
  const code = c.codePointAt(0) as number;
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every unsafe character escaped, not cut. For a whole message whose parts were
 * already capped, or for a backstop on messages built elsewhere.
 */
export function escapeControls(text: string): string {
  // With the `u` flag a well-formed surrogate pair is one code point and never matches the
  // surrogate class; only lone halves do.
  return text.replace(UNSAFE, escapeChar);
}

/**
 * A value from outside, made inert for a message: `(none)` for null / undefined, unsafe
 * characters escaped, cut to `maxChars` (never inside a surrogate pair) with a note of how many
 * characters were dropped.
 */
export function inert(value: unknown, maxChars: number = INERT_MAX_CHARS): string {
  if (value === undefined || value === null) return '(none)';
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= maxChars) return escapeControls(text);
  let cut = maxChars;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${escapeControls(text.slice(0, cut))}… (${text.length - cut} more characters)`;
}

/**
 * `JSON.stringify(value)` that is also safe on a terminal: the characters JSON leaves raw (DEL,
 * C1, separators, bidi controls) are written as `\u` escapes, which parse back to the same value.
 */
export function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Query values of parameters named like credentials (`key`, `api_key`,
 * `token`, `secret`, `password`, `sig`, `auth…`) in any URL of `text`,
 * replaced by `[redacted]`: a Steam Web API key rides in a query string, and
 * fetch errors and traces quote the URL they fetched.
 */
export function redactCredentialParams(text: string): string {
  return text.replace(
    /([?&;][^=&#\s?]*(?:key|token|secret|passw|sig|auth)[^=&#\s?]*=)[^&#\s'"]*/gi,
    '$1[redacted]',
  );
}
