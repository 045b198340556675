/**
 * XRI identifiers (OpenID 2.0 §7.2, §7.3.2.3): recognising them, building
 * the query URL of an XRI proxy resolver, and verifying the CanonicalID
 * chain of the resolver's answer. openid2 resolves XRIs only through a proxy
 * resolver the application configures; there is no default third-party
 * resolver.
 */
import { DiscoveryError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import type { XrdsDocument } from './xrds.js';

/** Global context symbols that start an XRI (plus `(` for a cross-reference). */
const XRI_START = new Set(['=', '@', '+', '$', '!', '(']);

/** Strips a leading `xri://` (case-insensitive). */
export function stripXriScheme(identifier: string): string {
  return identifier.slice(0, 6).toLowerCase() === 'xri://' ? identifier.slice(6) : identifier;
}

/** True when the identifier (after an optional `xri://`) is an XRI (§7.2 step 2). */
export function isXri(identifier: string): boolean {
  return XRI_START.has(stripXriScheme(identifier).charAt(0));
}

// Characters kept as they are in the proxy query path: unreserved, sub-delims and the XRI syntax.
const KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/**
 * Percent-encodes an XRI for use as a URL path: `%` and anything outside
 * the URI characters is encoded (UTF-8); inside cross-references `/ ? #`
 * are encoded too so they do not split the path.
 */
export function xriToUriPath(xri: string): string {
  let out = '';
  let depth = 0;
  for (const ch of stripXriScheme(xri)) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    if (depth > 0 && (ch === '/' || ch === '?' || ch === '#')) out += encodeURIComponent(ch);
    else if (KEEP.test(ch)) out += ch;
    else out += encodeURIComponent(ch);
  }
  return out;
}

/**
 * The URL to fetch from an XRI proxy resolver for `xri`: the resolver URL
 * (a trailing `/` added when missing), the XRI, and a request for the
 * whole XRDS without service selection.
 *
 * @example
 * xriProxyUrl('https://xri.example/', '=alice') // 'https://xri.example/=alice?_xrd_r=application%2Fxrds%2Bxml%3Bsep%3Dfalse'
 */
export function xriProxyUrl(proxy: string, xri: string): string {
  const base = proxy.endsWith('/') ? proxy : `${proxy}/`;
  const query = new URLSearchParams({ _xrd_r: 'application/xrds+xml;sep=false' });
  return `${base}${xriToUriPath(xri)}?${query.toString()}`;
}

function comparable(xri: string): string {
  return stripXriScheme(xri.trim()).toLowerCase();
}

/** The root authority of an XRI: its global context symbol, cross-reference, or IRI authority. */
export function rootAuthority(xri: string): string {
  const text = stripXriScheme(xri);
  if (text.startsWith('(')) {
    // A cross-reference may hold a whole URI, slashes included: end at its matching parenthesis.
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) return text.slice(0, i + 1);
    }
    return text;
  }
  const authority = text.split('/', 1)[0] ?? '';
  if (XRI_START.has(authority.charAt(0))) return authority.charAt(0);
  return authority.split(/[!*]/, 1)[0] ?? '';
}

function parentOf(id: string): string | null {
  const bang = id.lastIndexOf('!');
  return bang === -1 ? null : id.slice(0, bang);
}

/**
 * The CanonicalID the resolver asserts for `iname`, after checking that
 * every XRD in the chain was authoritative for the next: each CanonicalID's
 * parent (up to the last `!`) must be the previous XRD's first CanonicalID,
 * and the first must descend from the i-name's root authority. Returns null
 * when the final XRD has no CanonicalID; throws DiscoveryError `xri_fraud`
 * when the chain does not hold. Comparison is case-insensitive and ignores
 * `xri://`. The result has no `xri://` prefix.
 *
 * @see OpenID Authentication 2.0 §7.3.2.3 (CanonicalID as the claimed identifier)
 */
export function xriCanonicalId(iname: string, doc: XrdsDocument): string | null {
  const chain = [...doc.xrds].reverse();
  const last = chain[0]?.canonicalIds[0];
  if (last === undefined) return null;
  const canonicalId = stripXriScheme(last.trim());
  let child = comparable(canonicalId);
  for (const xrd of chain.slice(1)) {
    const sought = parentOf(child);
    const parent = xrd.canonicalIds[0];
    if (sought === null || parent === undefined || comparable(parent) !== sought) {
      throw new DiscoveryError(
        'xri_fraud',
        `XRI CanonicalID ${inert(canonicalId)} cannot come from ${parent === undefined ? 'an XRD without CanonicalID' : inert(parent)}`,
        iname,
      );
    }
    child = sought;
  }
  const root = comparable(rootAuthority(iname));
  if (parentOf(child) !== root) {
    throw new DiscoveryError(
      'xri_fraud',
      `XRI CanonicalID ${inert(canonicalId)} cannot come from root ${inert(root)}`,
      iname,
    );
  }
  return canonicalId;
}
