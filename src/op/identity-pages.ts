/**
 * Documents a provider serves for discovery: XRDS and HTML for a user's
 * identity page, the OP identifier's XRDS, and a relying party's realm
 * XRDS listing its return_to URLs (spec §7.3, §13). Every value is escaped.
 */
import {
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
  TYPE_OPENID_1_1,
  TYPE_RP_RETURN_TO,
} from '../protocol/constants.js';
import { escapeHtml } from '../protocol/message.js';

/** One XRDS service element. */
export interface XrdsServiceSpec {
  /** `<Type>` URIs, e.g. {@link TYPE_CLAIMED_IDENTIFIER}. */
  types: readonly string[];
  /** `<URI>`: the provider endpoint (or return_to URL). */
  uri: string;
  /** OpenID 2.0 `LocalID`. */
  localId?: string;
  /** OpenID 1.x `openid:Delegate`. */
  delegate?: string;
  /** `priority` attribute; lower is tried first. */
  priority?: number;
}

/** An XRDS document with the given services. */
export function renderXrds(services: readonly XrdsServiceSpec[]): string {
  const body = services
    .map((s) => {
      const prio = s.priority === undefined ? '' : ` priority="${Math.trunc(s.priority)}"`;
      const types = s.types.map((t) => `      <Type>${escapeHtml(t)}</Type>`).join('\n');
      const local = s.localId ? `\n      <LocalID>${escapeHtml(s.localId)}</LocalID>` : '';
      const delegate = s.delegate
        ? `\n      <openid:Delegate>${escapeHtml(s.delegate)}</openid:Delegate>`
        : '';
      return `    <Service${prio}>\n${types}\n      <URI>${escapeHtml(s.uri)}</URI>${local}${delegate}\n    </Service>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0">
  <XRD>
${body}
  </XRD>
</xrds:XRDS>
`;
}

/** XRDS of a user's identity page: an OpenID 2.0 signon and an OpenID 1.1 signon service. */
export function identityPageXrds(opEndpoint: string, localId?: string): string {
  return renderXrds([
    { types: [TYPE_CLAIMED_IDENTIFIER], uri: opEndpoint, priority: 0, ...(localId ? { localId } : {}) },
    { types: [TYPE_OPENID_1_1], uri: opEndpoint, priority: 1, ...(localId ? { delegate: localId } : {}) },
  ]);
}

/** XRDS of the OP identifier: users type the provider's URL and choose their identity there. */
export function opIdentifierXrds(opEndpoint: string): string {
  return renderXrds([{ types: [TYPE_OP_IDENTIFIER], uri: opEndpoint }]);
}

/** XRDS a relying party serves at its realm so providers can verify return_to (spec §13). */
export function rpReturnToXrds(returnTos: readonly string[]): string {
  return renderXrds(returnTos.map((uri) => ({ types: [TYPE_RP_RETURN_TO], uri })));
}

/** Options of {@link identityPageHead} and {@link identityPageHtml}. */
export interface IdentityPageOptions {
  /** The provider endpoint (`openid2.provider`, `openid.server`). */
  opEndpoint: string;
  /** The OP-local identifier, when the page delegates (`openid2.local_id`, `openid.delegate`). */
  localId?: string;
  /** Where the page's XRDS is served (an `X-XRDS-Location` meta element). */
  xrdsUrl?: string;
  /**
   * Which protocol versions the page announces: `'both'` (default) writes the
   * OpenID 2.0 and 1.x links, `'1.x'` only `openid.server` / `openid.delegate`
   * (a provider that speaks OpenID 1 only), `'2.0'` only the 2.0 links.
   */
  versions?: 'both' | '1.x' | '2.0';
}

/**
 * One `<link>` element per rel, as spec §7.3.3 writes them: some relying
 * parties (yohcop/openid-go among them) compare the whole `rel` attribute
 * and miss a rel that shares an element with another. Pure.
 */
export function identityPageLinks(options: IdentityPageOptions): string[] {
  const e = escapeHtml;
  const versions = options.versions ?? 'both';
  const links: string[] = [];
  const link = (rel: string, href: string) => links.push(`<link rel="${rel}" href="${e(href)}">`);
  if (versions !== '1.x') {
    link('openid2.provider', options.opEndpoint);
    if (options.localId) link('openid2.local_id', options.localId);
  }
  if (versions !== '2.0') {
    link('openid.server', options.opEndpoint);
    if (options.localId) link('openid.delegate', options.localId);
  }
  return links;
}

/** HTML `<head>` links for an identity page (spec §7.3.3), one per rel, with an optional X-XRDS-Location meta. */
export function identityPageHead(options: IdentityPageOptions): string {
  return [
    options.xrdsUrl ? `<meta http-equiv="X-XRDS-Location" content="${escapeHtml(options.xrdsUrl)}">` : '',
    ...identityPageLinks(options),
  ]
    .filter(Boolean)
    .join('\n');
}

/** A minimal identity page. */
export function identityPageHtml(options: IdentityPageOptions & { title?: string }): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(options.title ?? 'OpenID identity')}</title>
${identityPageHead(options)}
</head><body><p>${escapeHtml(options.title ?? 'OpenID identity')}</p></body></html>
`;
}

/**
 * An identity page for a provider that speaks OpenID 1.x only: `openid.server`
 * (and `openid.delegate`) links, no OpenID 2.0 link and no XRDS, as
 * ruby-openid 1.x and python-openid 1.x servers published them.
 * @see OpenID Authentication 1.1 §3.1
 */
export function identityPageHtml1(options: {
  opEndpoint: string;
  delegate?: string;
  title?: string;
}): string {
  return identityPageHtml({
    opEndpoint: options.opEndpoint,
    ...(options.delegate ? { localId: options.delegate } : {}),
    ...(options.title ? { title: options.title } : {}),
    versions: '1.x',
  });
}
