/**
 * HTML-based discovery (OpenID 2.0 §7.3.3, OpenID 1.1 §3.1) and the Yadis
 * `<meta http-equiv="X-XRDS-Location">` finder (Yadis 1.0 §6.2.5).
 *
 * Built on htmlparser2's tolerant tokenizer, never on regular expressions:
 * comments, `<script>`, `<style>`, `<title>` and `<textarea>` contents are
 * text to it, as they are to a browser. Only elements inside the document's
 * first `<head>` count, and never inside `<noscript>` or `<template>`.
 */
import type { Parser } from 'htmlparser2';
import { htmlparser2 } from './parsers.js';

type Attributes = Readonly<Record<string, string>>;

interface HeadScanOptions {
  /** The `<head>` must sit inside an `<html>` element (link discovery) or may stand alone (Yadis meta). */
  readonly requireHtml: boolean;
  /** Decode every HTML entity in attribute values (Yadis meta) or none (links; see decodeLinkEntities). */
  readonly decodeEntities: boolean;
  /** The head element to report. */
  readonly element: 'link' | 'meta';
}

const HIDING = new Set(['noscript', 'template']);

type ParserArgs = ConstructorParameters<typeof Parser>;
type HeadParser = Parser;
type HeadParserClass = new (
  source: string,
  onEndTag: (name: string) => void,
  ...args: ParserArgs
) => HeadParser;
let headParserCtor: HeadParserClass | undefined;

/**
 * htmlparser2's Parser reports an end tag only when it closes an open
 * element; a stray `</body>` before `<html>` still ends the search (as it
 * does in a browser, where it opens the body), so end tags are also
 * reported raw. The whole document is written at once, so the tokenizer's
 * offsets index `source` directly. The class is made on first use, since
 * its base class comes from the lazily loaded htmlparser2.
 */
function headParserClass(): HeadParserClass {
  headParserCtor ??= class HeadParser extends htmlparser2().Parser {
    readonly #source: string;
    readonly #onEndTag: (name: string) => void;
    constructor(source: string, onEndTag: (name: string) => void, ...args: ParserArgs) {
      super(...args);
      this.#source = source;
      this.#onEndTag = onEndTag;
    }
    override onclosetag(start: number, endIndex: number): void {
      this.#onEndTag(this.#source.slice(start, endIndex).toLowerCase());
      super.onclosetag(start, endIndex);
    }
  };
  return headParserCtor;
}

/**
 * Reports each `element` found directly in the document head, in document
 * order, until `visit` returns true. The head ends at `</head>`, at a
 * `<body>`, `</body>`, `<html>`, `</html>` or a second `<head>`; a `<body>`
 * or `</body>` before any head ends the search.
 */
function scanHead(html: string, options: HeadScanOptions, visit: (attrs: Attributes) => boolean): void {
  // Mutated from parser callbacks; an object keeps TypeScript from narrowing it to its initial value.
  const scan: { state: 'top' | 'html' | 'head' | 'done'; hidden: number } = { state: 'top', hidden: 0 };
  let parser: HeadParser | undefined;
  const stop = (): void => {
    scan.state = 'done';
    parser?.pause();
  };
  const onEndTag = (name: string): void => {
    if (scan.state === 'done') return;
    if (name === 'body' || name === 'html' || (name === 'head' && scan.state !== 'top')) stop();
  };
  const HeadParser = headParserClass();
  parser = new HeadParser(
    html,
    onEndTag,
    {
      onopentag(name, attrs) {
        switch (scan.state) {
          case 'top':
            if (name === 'html') scan.state = 'html';
            else if (name === 'head' && !options.requireHtml) scan.state = 'head';
            else if (name === 'body') stop();
            return;
          case 'html':
            if (name === 'head') scan.state = 'head';
            else if (name === 'body' || name === 'html') stop();
            return;
          case 'head':
            if (name === 'head' || name === 'body' || name === 'html') stop();
            else if (HIDING.has(name)) scan.hidden++;
            else if (name === options.element && scan.hidden === 0 && visit(attrs)) stop();
            return;
          default:
            return;
        }
      },
      onclosetag(name) {
        // Elements closed implicitly (a `<body>` closing the head) and `<head/>`.
        if (scan.state === 'head' && HIDING.has(name)) {
          if (scan.hidden > 0) scan.hidden--;
        } else if (name === 'head' && scan.state === 'head') {
          stop();
        }
      },
    },
    {
      decodeEntities: options.decodeEntities,
      lowerCaseTags: true,
      lowerCaseAttributeNames: true,
      recognizeSelfClosing: true,
    },
  );
  parser.write(html);
  if (scan.state !== 'done') parser.end();
}

/**
 * Decodes only the four entities OpenID 2.0 §7.3.3 names (`&amp;` `&lt;`
 * `&gt;` `&quot;`); any other entity text stays as written.
 */
export function decodeLinkEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(amp|lt|gt|quot);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : '"',
  );
}

/**
 * Attributes of every `<link>` in the document head, in order, with
 * attribute names lower-cased and values entity-decoded per §7.3.3.
 * The building block of {@link parseHtmlLinks}.
 */
export function parseLinkAttributes(html: string): Array<Record<string, string>> {
  const links: Array<Record<string, string>> = [];
  scanHead(html, { requireHtml: true, decodeEntities: false, element: 'link' }, (attrs) => {
    const decoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) decoded[k] = decodeLinkEntities(v);
    links.push(decoded);
    return false;
  });
  return links;
}

/** The OpenID links of an HTML page, hrefs resolved against the page URL. */
export interface HtmlDiscoveryLinks {
  /** `openid2.provider`: the OpenID 2.0 OP endpoint. */
  readonly provider: string | null;
  /** `openid2.local_id`: the OP-local identifier for 2.0. */
  readonly localId: string | null;
  /** `openid.server`: the OpenID 1.x OP endpoint. */
  readonly server: string | null;
  /** `openid.delegate`: the OP-local identifier for 1.x. */
  readonly delegate: string | null;
}

const REL_KEYS: Readonly<Record<string, keyof HtmlDiscoveryLinks>> = {
  'openid2.provider': 'provider',
  'openid2.local_id': 'localId',
  'openid.server': 'server',
  'openid.delegate': 'delegate',
};

function resolveHref(href: string, baseUrl: string): string {
  try {
    return new URL(href, baseUrl).href;
  } catch {
    return href; // left for the endpoint builder to reject
  }
}

/**
 * Finds the OpenID `<link rel>` elements of an identity page: `rel` is a
 * space-separated, case-insensitive list (one link may carry
 * `openid2.provider openid.server`); the first occurrence of each rel wins;
 * hrefs are entity-decoded (§7.3.3) and resolved against `baseUrl`, the
 * page's final URL. Links outside the head, in comments, scripts,
 * `<noscript>` or `<template>` are ignored.
 *
 * @example
 * parseHtmlLinks('<html><head><link rel="openid2.provider" href="/op"></head></html>', 'https://id.example/u')
 * // { provider: 'https://id.example/op', localId: null, server: null, delegate: null }
 * @see OpenID Authentication 2.0 §7.3.3
 */
export function parseHtmlLinks(html: string, baseUrl: string): HtmlDiscoveryLinks {
  const found: { -readonly [K in keyof HtmlDiscoveryLinks]: string | null } = {
    provider: null,
    localId: null,
    server: null,
    delegate: null,
  };
  for (const link of parseLinkAttributes(html)) {
    const href = link['href']?.trim();
    const rel = link['rel'];
    if (!href || rel === undefined) continue;
    for (const token of rel.toLowerCase().split(/[ \t\n\f\r]+/)) {
      const key = REL_KEYS[token];
      if (key !== undefined && found[key] === null) found[key] = resolveHref(href, baseUrl);
    }
  }
  return found;
}

/**
 * The `content` of the first `<meta http-equiv="X-XRDS-Location">` in the
 * head (name case-insensitive, all HTML entities decoded), or null.
 *
 * @example
 * findXrdsLocationMeta('<head><meta http-equiv="x-xrds-location" content="/xrds">') // '/xrds'
 * @see Yadis 1.0 §6.2.5
 */
export function findXrdsLocationMeta(html: string): string | null {
  let content: string | null = null;
  scanHead(html, { requireHtml: false, decodeEntities: true, element: 'meta' }, (attrs) => {
    const equiv = attrs['http-equiv'];
    const value = attrs['content'];
    if (equiv?.trim().toLowerCase() !== 'x-xrds-location' || value === undefined) return false;
    content = value;
    return true;
  });
  return content;
}
