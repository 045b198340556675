/**
 * Spec §11.1: the assertion's return_to must name the URL the response
 * arrived at — same scheme, host, port and path — and every query parameter
 * of return_to must be present in that URL with the same value. Stricter
 * than §11.1, as python-openid: a repeated parameter, or a non-OpenID one
 * return_to does not carry, is refused too.
 *
 * @see OpenID 2.0 §11.1
 */
import { formPairs } from '../../protocol/form-pairs.js';
import { normalizeUri } from '../../protocol/urinorm.js';
import { type Check, refuse as fail, PASS, pass, type Verdict } from './verdict.js';

/**
 * Whether `returnTo` names `actualUrl` (§11.1). `actualUrl` may be given
 * parsed, and its query as pairs already read (`actualQuery`, as
 * `URLSearchParams` reads it): re-reading the whole response URL and its query
 * was the largest single cost of complete() (issue 10 and 25 profiles).
 */
export function checkReturnTo(
  returnTo: string,
  actualUrl: string | URL,
  actualQuery?: readonly (readonly [string, string])[],
): Check {
  const r = checkReturnToUrl(returnTo, actualUrl, actualQuery);
  return r.ok ? PASS : r;
}

/**
 * {@link checkReturnTo}, passing with `returnTo` parsed: the login rules
 * read its per-login nonce next (login-return-to.ts), and parsing it once
 * more was a URL parse per login for nothing (issue 25 profile).
 */
export function checkReturnToUrl(
  returnTo: string,
  actualUrl: string | URL,
  actualQuery?: readonly (readonly [string, string])[],
): Verdict<URL> {
  let rt: URL;
  let actual: URL;
  try {
    rt = new URL(returnTo);
    actual = typeof actualUrl === 'string' ? new URL(actualUrl) : actualUrl;
  } catch {
    return fail('return_to_mismatch', 'return_to or the current URL is not an absolute URL');
  }
  if (rt.protocol !== actual.protocol || rt.host !== actual.host || !samePath(rt, actual)) {
    return fail('return_to_mismatch', `return_to ${returnTo} does not match the URL the response arrived at`);
  }
  // return_to's query read as URLSearchParams reads it, without building one (issue 25 profile).
  const sent = formPairs(rt.search);
  const keys = sent.map(([key]) => key);
  // A repeated key is ambiguous (which one did the app mean?): refused (RT-11).
  if (new Set(keys).size !== keys.length) {
    return fail('return_to_mismatch', 'return_to repeats a query parameter');
  }
  const query = actualQuery ?? formPairs(actual.search);
  // No key repeats in return_to, so each must arrive exactly once with its value.
  for (const [key, want] of sent) {
    const got = valuesOf(query, key);
    if (got.length !== 1 || got[0] !== want) {
      return fail('return_to_mismatch', `query parameter ${key} of return_to is missing or differs`);
    }
  }
  // A non-OpenID parameter the provider never saw must not ride along (RT-07, e.g. `&next=https://evil.example`).
  for (const [key] of query) {
    if (!key.startsWith('openid.') && !keys.includes(key)) {
      return fail('return_to_mismatch', `the URL carries ${key}, which return_to does not`);
    }
  }
  return pass(rt);
}

/** Every value of `key` in `query`, in order (`URLSearchParams.getAll`). */
function valuesOf(query: readonly (readonly [string, string])[], key: string): string[] {
  const out: string[] = [];
  for (const [k, v] of query) if (k === key) out.push(v);
  return out;
}

/** Paths compared after RFC 3986 normalisation (`%72` is `r`; `%2F`, case and extra slashes still differ). */
function samePath(a: URL, b: URL): boolean {
  if (a.pathname === b.pathname) return true;
  try {
    return normalizeUri(`${a.origin}${a.pathname}`) === normalizeUri(`${b.origin}${b.pathname}`);
  } catch {
    return false;
  }
}
