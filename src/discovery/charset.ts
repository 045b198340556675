/**
 * Decoding of fetched bytes to text. Never throws: undecodable bytes become
 * U+FFFD, so markup around them (an `X-XRDS-Location` meta after a stray
 * Latin-1 byte) still parses.
 */

/** Media type of a Content-Type value, lower-cased, without parameters; null when absent. */
export function mediaType(contentType: string | null | undefined): string | null {
  if (contentType === null || contentType === undefined) return null;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return type === '' ? null : type;
}

/** The `charset` parameter of a Content-Type value, if any. */
export function charsetOf(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return value === '' ? null : value;
  }
  return null;
}

function decoderFor(label: string | null): InstanceType<typeof TextDecoder> {
  if (label !== null) {
    try {
      return new TextDecoder(label, { fatal: false });
    } catch {
      // unknown label: fall back to UTF-8 below
    }
  }
  return new TextDecoder('utf-8', { fatal: false });
}

/**
 * Decodes a response body: a byte-order mark wins, then the Content-Type
 * charset, then UTF-8. Invalid sequences are replaced, never fatal.
 */
export function decodeBody(body: Uint8Array, contentType: string | null | undefined): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return decoderFor('utf-8').decode(body);
  if (body[0] === 0xfe && body[1] === 0xff) return decoderFor('utf-16be').decode(body);
  if (body[0] === 0xff && body[1] === 0xfe) return decoderFor('utf-16le').decode(body);
  return decoderFor(charsetOf(contentType)).decode(body);
}
