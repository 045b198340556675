/**
 * XRDS parsing (Yadis 1.0, XRI Resolution 2.0 §3) with a namespace-aware,
 * non-validating streaming XML parser (saxes). It loads nothing: a document
 * with any DOCTYPE is refused outright, before a single entity could be
 * declared or expanded (no XXE, no billion laughs), and depth and element
 * counts are capped.
 *
 * @see OpenID Authentication 2.0 §7.3.1, §7.3.2
 */
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';
import { OPENID1_XML_NS, XRD_NS, XRDS_NS } from '../protocol/constants.js';
import { DiscoveryError } from '../protocol/errors.js';
import { saxes } from './parsers.js';

/** One `<URI>` of a service. */
export interface XrdsUri {
  /** The URI text, trimmed. */
  readonly uri: string;
  /** `priority` attribute; null when absent or not a non-negative integer (lowest priority). */
  readonly priority: number | null;
}

/** One `<Service>` element. */
export interface XrdsService {
  /** `priority` attribute; null when absent or not a non-negative integer (lowest priority). */
  readonly priority: number | null;
  /** `<Type>` values, trimmed, in document order. */
  readonly types: readonly string[];
  /** `<URI>` values in document order (see {@link sortedUris}). */
  readonly uris: readonly XrdsUri[];
  /** `<xrd:LocalID>` (OpenID 2.0) and `<openid:Delegate>` (OpenID 1.x) values, in document order. */
  readonly localIds: readonly {
    /** Which element it came from. */
    readonly kind: 'LocalID' | 'Delegate';
    /** The element's text, trimmed. */
    readonly value: string;
  }[];
}

/** One `<XRD>` element. */
export interface Xrd {
  /** `<CanonicalID>` values in document order (XRI resolution). */
  readonly canonicalIds: readonly string[];
  /** Services in document order (see {@link sortedServices}). */
  readonly services: readonly XrdsService[];
}

/** A parsed XRDS document: every XRD child of the root, in order. */
export interface XrdsDocument {
  /** The `<XRD>` elements in document order; the last one describes the identifier (see {@link finalXrd}). */
  readonly xrds: readonly Xrd[];
}

/** Limits of {@link parseXrds}. */
export interface XrdsLimits {
  /** Deepest element nesting. Default 32. */
  maxDepth?: number;
  /** Most elements in the document. Default 20 000. */
  maxElements?: number;
}

interface MutableService {
  priority: number | null;
  types: string[];
  uris: XrdsUri[];
  localIds: { kind: 'LocalID' | 'Delegate'; value: string }[];
}

function parsePriority(tag: SaxesTagNS): number | null {
  const attr = (tag.attributes as Record<string, SaxesAttributeNS>)['priority'];
  if (attr === undefined || attr.uri !== '') return null;
  const text = attr.value.trim();
  if (!/^[0-9]{1,9}$/.test(text)) return null;
  return Number(text);
}

function invalid(message: string, cause?: unknown): DiscoveryError {
  return new DiscoveryError('xrds_invalid', message, undefined, cause === undefined ? {} : { cause });
}

/**
 * Parses an XRDS document.
 *
 * Throws DiscoveryError: `xml_dtd_forbidden` for any DOCTYPE, `xrds_invalid`
 * for XML that is not well-formed, not rooted at `xrds:XRDS`, or without an
 * XRD, `xrds_too_large` past the depth/element limits.
 *
 * @example
 * const doc = parseXrds(text);
 * const services = sortedServices(finalXrd(doc));
 */
export function parseXrds(text: string, limits: XrdsLimits = {}): XrdsDocument {
  const maxDepth = limits.maxDepth ?? 32;
  const maxElements = limits.maxElements ?? 20_000;
  const parser = new (saxes().SaxesParser)({ xmlns: true, position: false });
  const xrds: Xrd[] = [];
  const stack: { uri: string; local: string }[] = [];
  let elements = 0;
  let rootSeen = false;
  let xrd: { canonicalIds: string[]; services: MutableService[] } | null = null;
  let service: MutableService | null = null;
  let capture: {
    target: 'type' | 'uri' | 'localid' | 'delegate' | 'canonicalid';
    priority: number | null;
  } | null = null;
  let buffer = '';

  parser.on('doctype', () => {
    throw new DiscoveryError('xml_dtd_forbidden', 'XRDS documents must not contain a DOCTYPE');
  });
  parser.on('error', (err) => {
    throw invalid(`not well-formed XML: ${err.message}`, err);
  });
  parser.on('opentag', (tag) => {
    elements++;
    if (elements > maxElements)
      throw new DiscoveryError('xrds_too_large', 'XRDS document has too many elements');
    if (stack.length + 1 > maxDepth)
      throw new DiscoveryError('xrds_too_large', 'XRDS document is nested too deeply');
    const uri = tag.uri;
    const local = tag.local;
    const depth = stack.length; // depth of this element's parent
    stack.push({ uri, local });
    if (depth === 0) {
      rootSeen = true;
      if (uri !== XRDS_NS || local !== 'XRDS') throw invalid('not an XRDS document');
      return;
    }
    if (depth === 1 && uri === XRD_NS && local === 'XRD') {
      xrd = { canonicalIds: [], services: [] };
      return;
    }
    if (depth === 2 && xrd !== null) {
      if (uri === XRD_NS && local === 'Service') {
        service = { priority: parsePriority(tag), types: [], uris: [], localIds: [] };
      } else if (uri === XRD_NS && local === 'CanonicalID') {
        capture = { target: 'canonicalid', priority: null };
        buffer = '';
      }
      return;
    }
    if (depth === 3 && service !== null) {
      let target: 'type' | 'uri' | 'localid' | 'delegate' | null = null;
      if (uri === XRD_NS && local === 'Type') target = 'type';
      else if (uri === XRD_NS && local === 'URI') target = 'uri';
      else if (uri === XRD_NS && local === 'LocalID') target = 'localid';
      else if (uri === OPENID1_XML_NS && local === 'Delegate') target = 'delegate';
      if (target !== null) {
        capture = { target, priority: target === 'uri' ? parsePriority(tag) : null };
        buffer = '';
      }
    }
  });
  const onText = (t: string): void => {
    if (capture !== null) buffer += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const depth = stack.length - 1;
    stack.pop();
    if (capture !== null && (depth === 3 || (depth === 2 && capture.target === 'canonicalid'))) {
      const value = buffer.trim();
      const c = capture;
      capture = null;
      if (c.target === 'canonicalid') xrd?.canonicalIds.push(value);
      else if (service !== null && value !== '') {
        if (c.target === 'type') service.types.push(value);
        else if (c.target === 'uri') service.uris.push({ uri: value, priority: c.priority });
        else service.localIds.push({ kind: c.target === 'localid' ? 'LocalID' : 'Delegate', value });
      }
      return;
    }
    if (depth === 2 && service !== null) {
      xrd?.services.push(service);
      service = null;
    } else if (depth === 1 && xrd !== null) {
      xrds.push(xrd);
      xrd = null;
    }
  });

  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    throw invalid(`not well-formed XML: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!rootSeen) throw invalid('not an XRDS document: no root element');
  if (xrds.length === 0) throw invalid('the XRDS document has no XRD element');
  return { xrds };
}

/** The XRD that holds the Yadis services: the last one (Yadis 1.0 §7.3.1; XRI resolution output). */
export function finalXrd(doc: XrdsDocument): Xrd {
  return doc.xrds[doc.xrds.length - 1] as Xrd;
}

/**
 * Orders by `priority` (lower first; absent last), keeping document order
 * among equals. XRI Resolution 2.0 §4.3.3 allows a random pick among
 * equals; document order keeps discovery deterministic.
 */
function byPriority<T extends { readonly priority: number | null }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const pa = a.item.priority ?? Number.POSITIVE_INFINITY;
      const pb = b.item.priority ?? Number.POSITIVE_INFINITY;
      return pa === pb ? a.index - b.index : pa - pb;
    })
    .map((e) => e.item);
}

/** The services of an XRD in priority order. */
export function sortedServices(xrd: Xrd): XrdsService[] {
  return byPriority(xrd.services);
}

/** The URIs of a service in priority order. */
export function sortedUris(service: XrdsService): XrdsUri[] {
  return byPriority(service.uris);
}
