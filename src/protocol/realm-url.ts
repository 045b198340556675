/**
 * The strict http(s) URL reader behind `Realm` (spec §9.2): realms and the
 * return_to URLs matched against them go through the same code, so both
 * sides of a comparison are in the same canonical form.
 *
 * Strict where parsers disagree: a backslash, whitespace, control character,
 * userinfo (`http://good.example@evil.example/`), `%` in a host, an empty
 * host label or a malformed port makes the text unreadable instead of being
 * guessed at. Canonical where browsers agree: scheme and host lower-case,
 * IDN hosts in their `xn--` form (WHATWG / UTS #46 through `domainToASCII`),
 * IPv4 in dotted decimal (`127.1` is `127.0.0.1`), one trailing dot dropped,
 * default port applied, percent-escapes of unreserved characters decoded and
 * the others upper-cased, non-ASCII characters UTF-8 percent-encoded, and dot
 * segments removed from the path (where the browser will really go).
 *
 * Internal module: the public face is `Realm`.
 */
import { domainToAscii } from '../platform/idna.js';

/** A canonical http(s) URL or realm pattern. */
export interface HttpUrlParts {
  scheme: 'http' | 'https';
  /** Lower-case ASCII host without the wildcard prefix; `''` only for the realm `*`. IPv6 in brackets. */
  host: string;
  /** Whether the host began with `*.` (or was `*`). Only when the caller allowed it. */
  wildcard: boolean;
  /** Explicit port, or the scheme's default. */
  port: number;
  /** Normalized path, always starting with `/`. */
  path: string;
  /** Normalized query without the `?`, or null when there is none (an empty query counts as none). */
  query: string | null;
}

/** Inputs longer than this are refused outright: no legitimate realm or return_to comes close. */
export const MAX_URL_LENGTH = 16 * 1024;

export const DEFAULT_PORTS = { http: 80, https: 443 } as const;

// Whitespace (ASCII and Unicode), C0/C1 controls, DEL and backslash are never accepted.
const FORBIDDEN_RE = /[\s\u0000-\u001f\u007f-\u009f\\]/u;
const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#[\s\S]*)?$/;
const PORT_RE = /^[0-9]{1,5}$/;
// ASCII characters allowed in a raw host; non-ASCII goes through IDNA.
const RAW_HOST_ASCII_RE = /[\x00-\x7f]/g;
const HOST_ASCII_OK_RE = /^[A-Za-z0-9._-]$/;
const LABEL_RE = /^[a-z0-9_-]{1,63}$/;
const IPV4_RE = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
const IPV6_INNER_RE = /^[0-9A-Fa-f:.]+$/;
const UNRESERVED_RE = /^[A-Za-z0-9\-._~]$/;
const HEX2_RE = /^[0-9A-Fa-f]{2}$/;

/** Whether a canonical host is an IP literal (dotted IPv4 or bracketed IPv6). */
export function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || IPV4_RE.test(host);
}

/**
 * Reads `text` as an absolute http(s) URL, or a realm pattern when
 * `allowWildcard` is set. Returns null for anything else, fragments included.
 */
export function parseHttpUrl(text: string, options: { allowWildcard: boolean }): HttpUrlParts | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_URL_LENGTH) return null;
  if (FORBIDDEN_RE.test(text)) return null;
  const m = URL_RE.exec(text);
  if (m === null) return null;
  const [, rawScheme = '', authority = '', rawPath = '', rawQuery, fragment] = m;
  // Spec §9.2: a realm MUST NOT contain a fragment; a return_to with one is refused too (fails closed).
  if (fragment !== undefined) return null;
  const scheme = rawScheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  if (authority.includes('@')) return null;

  let rawHost: string;
  let rawPort: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    rawHost = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return null;
      rawPort = after.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    rawHost = colon < 0 ? authority : authority.slice(0, colon);
    rawPort = colon < 0 ? undefined : authority.slice(colon + 1);
  }

  let port: number = DEFAULT_PORTS[scheme];
  if (rawPort !== undefined) {
    if (!PORT_RE.test(rawPort)) return null;
    port = Number(rawPort);
    if (port < 1 || port > 65535) return null;
  }

  const host = canonicalHost(rawHost, options.allowWildcard);
  if (host === null) return null;

  const path = rawPath === '' ? '/' : normalizePercent(rawPath);
  if (path === null) return null;
  let query: string | null = null;
  if (rawQuery !== undefined && rawQuery !== '') {
    query = normalizePercent(rawQuery);
    if (query === null) return null;
  }
  return { scheme, host: host.host, wildcard: host.wildcard, port, path: removeDotSegments(path), query };
}

function canonicalHost(raw: string, allowWildcard: boolean): { host: string; wildcard: boolean } | null {
  if (raw.startsWith('[')) {
    const inner = raw.slice(1, -1);
    // No zone identifiers (`%25eth0`) and nothing but hex, colons and dots.
    if (!IPV6_INNER_RE.test(inner)) return null;
    try {
      return { host: new URL(`http://[${inner}]/`).hostname, wildcard: false };
    } catch {
      return null;
    }
  }
  let rest = raw;
  let wildcard = false;
  if (allowWildcard && raw === '*') return { host: '', wildcard: true };
  if (allowWildcard && raw.startsWith('*.')) {
    wildcard = true;
    rest = raw.slice(2);
  }
  // A `*` anywhere else (`foo.*.com`, `*foo.com`) is not a realm wildcard and not a host character.
  for (const ch of rest.match(RAW_HOST_ASCII_RE) ?? []) {
    if (!HOST_ASCII_OK_RE.test(ch)) return null;
  }
  if (rest.endsWith('.')) rest = rest.slice(0, -1);
  if (rest === '') return null;
  const ascii = domainToAscii(rest);
  if (ascii === '') return null;
  if (IPV4_RE.test(ascii)) {
    // Spec §9.2: the wildcard is prepended to a DNS name; `*.0.0.1` would be nonsense.
    return wildcard ? null : { host: ascii, wildcard: false };
  }
  if (ascii.length > 253) return null;
  // IDNA may map some characters away (zero-width ones) and leave empty labels: refuse those.
  for (const label of ascii.split('.')) {
    if (!LABEL_RE.test(label)) return null;
  }
  return { host: ascii, wildcard };
}

/**
 * RFC 3986 §6.2.2 percent-encoding normalization: `%XX` of an unreserved
 * character decoded, other escapes upper-cased, non-ASCII UTF-8 encoded.
 * Returns null for a bad escape or a lone surrogate.
 */
function normalizePercent(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX2_RE.test(hex)) return null;
      const decoded = String.fromCharCode(Number.parseInt(hex, 16));
      out += UNRESERVED_RE.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (ch.charCodeAt(0) >= 0x80) {
      const cp = text.codePointAt(i) as number;
      const char = String.fromCodePoint(cp);
      try {
        out += encodeURIComponent(char);
      } catch {
        return null;
      }
      i += char.length - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments for an absolute path. */
function removeDotSegments(path: string): string {
  const input = path.split('/').slice(1);
  const out: string[] = [];
  input.forEach((seg, i) => {
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      if (i === input.length - 1) out.push('');
    } else {
      out.push(seg);
    }
  });
  return `/${out.join('/')}`;
}
