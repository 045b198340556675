/**
 * RFC 3986 §6 normalization of http(s) identifiers (OpenID 2.0 §7.2).
 *
 * Pure: no I/O. The host is canonicalised with the WHATWG host parser (via
 * `node:url` `domainToASCII`), the same parser the fetcher uses, so the
 * string we compare is the host we connect to: IDN to punycode, full-width
 * forms folded, numeric IPv4 spellings (`0x7f.1`, `2130706433`) written as
 * dotted quads.
 */
import { utf8 } from '../platform/bytes.js';
import { domainToAscii } from '../platform/idna.js';
import { isIPv6 } from '../platform/ip.js';
import { ProtocolError } from './errors.js';

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

const HEX = '0123456789ABCDEF';

/** RFC 3986 §2.3 unreserved characters: decoded when found percent-encoded. */
function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x7e // ~
  );
}

/** sub-delims of RFC 3986 §2.2 plus ':' and '@' (pchar), '/' and '?' (query/fragment). */
const PCHAR_EXTRA = new Set("!$&'()*+,;=:@".split('').map((c) => c.charCodeAt(0)));

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

function invalid(uri: string, why: string): ProtocolError {
  return new ProtocolError('uri_invalid', `invalid URI ${JSON.stringify(uri)}: ${why}`);
}

/**
 * Normalizes the percent-encoding of one component (path, query or
 * fragment): uppercase hex, decode unreserved octets, UTF-8 encode non-ASCII
 * characters (IRI to URI, RFC 3987 §3.1). Never decodes a reserved or
 * control octet (`%0D`, `%20`, `%2F` stay as they are).
 */
function normalizeComponent(uri: string, text: string, extra: ReadonlySet<number>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw invalid(uri, `bad percent-escape at "${text.slice(i, i + 3)}"`);
      const octet = hi * 16 + lo;
      out += isUnreserved(octet) ? String.fromCharCode(octet) : `%${HEX[hi]}${HEX[lo]}`;
      i += 2;
    } else if (code < 0x80) {
      if (isUnreserved(code) || PCHAR_EXTRA.has(code) || extra.has(code)) out += text[i];
      else throw invalid(uri, `illegal character ${JSON.stringify(text[i])}`);
    } else {
      const cp = text.codePointAt(i) ?? code;
      if (cp <= 0x9f) throw invalid(uri, 'illegal control character');
      const char = String.fromCodePoint(cp);
      if (cp >= 0xd800 && cp <= 0xdfff) throw invalid(uri, 'unpaired surrogate');
      for (const byte of utf8(char)) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
      i += char.length - 1;
    }
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
export function removeDotSegments(path: string): string {
  const output: string[] = [];
  let input = path;
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      output.pop();
    } else if (input === '/..') {
      input = '/';
      output.pop();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const segment = next === -1 ? input : input.slice(0, next);
      output.push(segment);
      input = next === -1 ? '' : input.slice(next);
    }
  }
  return output.join('');
}

const PATH_EXTRA: ReadonlySet<number> = new Set([0x2f]); // '/'
// WHATWG and real-world query strings carry '[' ']' (e.g. `a[]=1`); they are kept, not decoded.
const QUERY_EXTRA: ReadonlySet<number> = new Set([0x2f, 0x3f, 0x5b, 0x5d]);

function normalizeHost(uri: string, rawHost: string): string {
  if (rawHost.startsWith('[')) {
    if (!rawHost.endsWith(']')) throw invalid(uri, 'unterminated IPv6 literal');
    const literal = rawHost.slice(1, -1);
    if (literal.includes('%')) throw invalid(uri, 'IPv6 zone identifiers are not allowed');
    if (!isIPv6(literal)) throw invalid(uri, `bad IPv6 literal ${rawHost}`);
    // WHATWG serialisation: lower case, shortest form. Same as what is fetched.
    return new URL(`http://${rawHost}/`).host;
  }
  if (rawHost.length === 0) throw invalid(uri, 'empty host');
  let decoded = rawHost;
  if (rawHost.includes('%')) {
    try {
      decoded = decodeURIComponent(rawHost);
    } catch {
      throw invalid(uri, 'bad percent-escape in host');
    }
  }
  for (let i = 0; i < decoded.length; i++) {
    const code = decoded.charCodeAt(i);
    if (code < 0x80 && !isUnreserved(code) && !PCHAR_EXTRA.has(code)) {
      throw invalid(uri, `illegal character ${JSON.stringify(decoded[i])} in host`);
    }
    if (code === 0x3a || code === 0x40) throw invalid(uri, 'illegal character in host');
    if (code >= 0x80 && code <= 0x9f) throw invalid(uri, 'illegal control character in host');
  }
  const ascii = domainToAscii(decoded);
  if (ascii === '') throw invalid(uri, `host ${JSON.stringify(rawHost)} is not a valid domain name`);
  return ascii;
}

/**
 * Normalizes an http or https URI per RFC 3986 §6.2.2 and §6.2.3, the way
 * OpenID 2.0 §7.2 requires for identifiers: lower-case scheme and host,
 * uppercase percent-encoding hex, decode percent-encoded unreserved
 * characters, remove dot segments, drop the default port, `/` for an empty
 * path, IDN hosts to punycode. Query and fragment are kept (normalized).
 *
 * Rejects, with `ProtocolError` code `uri_invalid`: schemes other than http
 * and https, URIs without an authority, user info (`user@host`), an empty
 * host, a bad port, bad percent-escapes, and characters RFC 3986 forbids
 * (spaces, controls, `<`, `>`, `\`, ...).
 *
 * @example
 * normalizeUri('HTTP://Example.COM:80/a/./b/../%7euser') // 'http://example.com/a/~user'
 * @see OpenID Authentication 2.0 §7.2; RFC 3986 §6
 */
export function normalizeUri(uri: string): string {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) throw invalid(uri, 'no scheme');
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme !== 'http' && lowerScheme !== 'https') {
    throw invalid(uri, `scheme ${lowerScheme}: is not http or https`);
  }
  if (uri.slice(colon + 1, colon + 3) !== '//') throw invalid(uri, 'not an absolute URI with a host');
  const rest = uri.slice(colon + 3);

  let end = rest.length;
  for (const c of ['/', '?', '#']) {
    const at = rest.indexOf(c);
    if (at !== -1 && at < end) end = at;
  }
  const authority = rest.slice(0, end);
  let tail = rest.slice(end);

  if (authority.includes('@')) throw invalid(uri, 'user information (user@host) is not allowed');
  let rawHost = authority;
  let port = '';
  const bracket = authority.lastIndexOf(']');
  const portColon = authority.lastIndexOf(':');
  if (portColon !== -1 && portColon > bracket) {
    rawHost = authority.slice(0, portColon);
    port = authority.slice(portColon + 1);
  }
  if (port !== '') {
    if (!/^[0-9]+$/.test(port)) throw invalid(uri, `bad port ${JSON.stringify(port)}`);
    const n = Number(port);
    if (n > 65535) throw invalid(uri, `port ${port} is out of range`);
    port = String(n);
    if (port === DEFAULT_PORTS[lowerScheme]) port = '';
  }
  const host = normalizeHost(uri, rawHost);

  let fragment: string | undefined;
  const hash = tail.indexOf('#');
  if (hash !== -1) {
    fragment = normalizeComponent(uri, tail.slice(hash + 1), QUERY_EXTRA);
    tail = tail.slice(0, hash);
  }
  let query: string | undefined;
  const question = tail.indexOf('?');
  if (question !== -1) {
    query = normalizeComponent(uri, tail.slice(question + 1), QUERY_EXTRA);
    tail = tail.slice(0, question);
  }
  let path = removeDotSegments(normalizeComponent(uri, tail, PATH_EXTRA));
  if (path === '') path = '/';

  return (
    `${lowerScheme}://${host}${port === '' ? '' : `:${port}`}${path}` +
    (query === undefined ? '' : `?${query}`) +
    (fragment === undefined ? '' : `#${fragment}`)
  );
}

/**
 * Whether two URIs name the same resource after {@link normalizeUri}: both
 * absent counts as the same; a URI that does not normalize equals only its
 * exact spelling.
 */
export function sameUri(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  if (a === b) return true;
  try {
    return normalizeUri(a) === normalizeUri(b);
  } catch {
    return false;
  }
}

/** The URI without its `#fragment` (spec §11.2: discovery and comparison ignore it). */
export function stripFragment(uri: string): string {
  const i = uri.indexOf('#');
  return i === -1 ? uri : uri.slice(0, i);
}
