/**
 * The re-post page of a login's return (see `LoginResubmit` in
 * login-flow.ts): a provider's form POST arrives without the SameSite=Lax
 * state cookie, so the page posts the same fields again from this site,
 * once, and the browser sends the cookie with it.
 */
import { escapeHtml } from '../protocol/message.js';

/** The field the re-post page adds, so that a login is re-posted once at most. */
export const RESUBMIT_FIELD = 'openid2_resubmit';

/** What the re-post needs of a request (a `FlowRequest` has it). */
export interface PostedRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** The absolute URL the request was made to. */
  readonly url: string;
  /** The urlencoded form body of a POST, or null when there is none. */
  readonly form: URLSearchParams | Readonly<Record<string, unknown>> | null;
}

/**
 * For a provider's form POST that came without the login's state (see
 * {@link LoginResubmit}): the page that posts it again from this site, or
 * null when the request is not such a POST or was re-posted already.
 */
export function resubmitPageFor(request: PostedRequest): string | null {
  if (request.method !== 'POST' || request.form === null) return null;
  const fields = formFields(request.form);
  if (!fields.some(([k]) => k === 'openid.mode') || fields.some(([k]) => k === RESUBMIT_FIELD)) return null;
  return resubmitPage(request.url, [...fields, [RESUBMIT_FIELD, '1']]);
}

/** The string fields of a posted form (a field given twice is kept twice: complete() refuses it). */
function formFields(form: URLSearchParams | Readonly<Record<string, unknown>>): [string, string][] {
  if (form instanceof URLSearchParams) return [...form];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(form)) {
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') out.push([k, one]);
  }
  return out;
}

/** A page that posts `fields` to `url` at once (a button for browsers without script); every value escaped. */
function resubmitPage(url: string, fields: readonly [string, string][]): string {
  const inputs = fields
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
    `<title>Signing in…</title></head><body><form method="post" action="${escapeHtml(url)}">${inputs}` +
    '<noscript><button type="submit">Continue</button></noscript></form>' +
    '<script>document.forms[0].submit()</script></body></html>'
  );
}
