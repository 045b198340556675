/**
 * Turning provider responses into HTTP (spec §5): key-value form for direct
 * answers, a 302 redirect for indirect ones, an auto-submitting form when
 * the URL would pass 2047 bytes, and errors that never redirect to a
 * return_to that failed the realm checks.
 */
import { toBase64, utf8Length } from '../platform/bytes.js';
import { MAX_REDIRECT_URL_LENGTH, OPENID2_NS } from '../protocol/constants.js';
import type { ProtocolError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { escapeHtml, Message, OPENID_NS } from '../protocol/message.js';
import type { OPResponse } from './response.js';

/** An HTTP answer, framework-neutral. */
export interface WebResponse {
  /** HTTP status: 200, 302 for a redirect, 400 for an error. */
  status: number;
  /** Response headers, lower-case names (`content-type`, `location`, `cache-control`, …). */
  headers: Record<string, string>;
  /** Key-value form, HTML, or empty for a redirect. */
  body: string;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function kv(status: number, fields: Message): WebResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE },
    body: fields.toKVForm(),
  };
}

function indirect(fields: Message, returnTo: string): WebResponse {
  const url = fields.toURL(returnTo);
  if (utf8Length(url) <= MAX_REDIRECT_URL_LENGTH) {
    return { status: 302, headers: { location: url, ...NO_STORE }, body: '' };
  }
  const nonce = toBase64(crypto.getRandomValues(new Uint8Array(12)));
  let formAction = "'self'";
  try {
    formAction = new URL(returnTo).origin;
  } catch {
    // keep 'self'
  }
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; form-action ${formAction}`,
      ...NO_STORE,
    },
    body: fields.toFormHtml(returnTo, { scriptNonce: nonce }),
  };
}

/** Encode a (signed, when needed) response. */
export function encodeResponse(response: OPResponse): WebResponse {
  if (response.kind === 'direct') return kv(response.status, response.fields);
  return indirect(response.fields, response.returnTo as string);
}

/** Extra fields every error answer carries. */
export interface ErrorExtras {
  contact?: string | undefined;
  reference?: string | undefined;
}

/**
 * Encode a protocol error (spec §5.1.2.2, §5.2.3): a redirect with
 * `openid.mode=error` when it came through the browser with a return_to that
 * passed the realm checks; a plain 400 page for other browser requests; key-
 * value form 400 for direct requests.
 */
export function encodeError(error: ProtocolError, extras: ErrorExtras = {}): WebResponse {
  const c = error.context;
  // Quoted inertly: the message may repeat request values (no raw control characters, capped).
  const text = inert(c.publicMessage ?? error.message, 1000);
  const fields = Message.create(c.namespace === OPENID2_NS || c.namespace === undefined ? '2.0' : '1.1');
  fields.set(OPENID_NS, 'mode', 'error').set(OPENID_NS, 'error', text);
  const errorCode = c.errorCode;
  if (errorCode) fields.set(OPENID_NS, 'error_code', errorCode);
  for (const [k, v] of Object.entries(c.extra ?? {})) fields.set(OPENID_NS, k, v);
  const contact = c.contact ?? extras.contact;
  const reference = c.reference ?? extras.reference;
  if (contact) fields.set(OPENID_NS, 'contact', contact);
  if (reference) fields.set(OPENID_NS, 'reference', reference);
  if (c.indirect && c.returnTo) return indirect(fields, c.returnTo);
  if (c.indirect) {
    return {
      status: 400,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'",
        ...NO_STORE,
      },
      body: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>OpenID request error</title></head><body><h1>This sign-in request is not valid</h1><p>${escapeHtml(text)}</p></body></html>\n`,
    };
  }
  return kv(400, fields);
}
