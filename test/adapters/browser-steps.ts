/**
 * The browser's part of a login, shared by the adapter tests: POST the login
 * form to a relying party served over HTTP, follow the provider's answer,
 * and come back with the state cookie.
 */
import assert from 'node:assert/strict';
import { browse } from '../helpers/op-server.js';

/** The `name=value` of the state cookie a response sets (one per pending login: `<name>.<nonce tag>`). */
export function stateCookie(res: Response, name = 'openid2_state'): string {
  const set = res.headers
    .getSetCookie()
    .find((c) => new RegExp(`^${name.replace(/[.$]/g, '\\$&')}(\\.[0-9a-f]{16})?=v1\\.`).test(c));
  assert.ok(set, `a ${name} cookie is set`);
  return set.split(';')[0] as string;
}

/** POST the login form (from the relying party's own origin unless `headers` says otherwise). */
export function postLogin(
  rpBase: string,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { origin: rpBase },
): Promise<Response> {
  return fetch(`${rpBase}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Start a login, visit the provider, and return the URL (and form body, if any) the browser brings back, with the cookie. */
export async function loginRoundTrip(
  rpBase: string,
  path: string,
  fields: Record<string, string>,
): Promise<{ cookie: string; url: string; body?: string }> {
  const start = await postLogin(rpBase, path, fields);
  assert.equal(start.status, 303, await start.clone().text());
  const cookie = stateCookie(start);
  const back = await browse(start.headers.get('location') as string);
  return { cookie, ...back };
}

/** Bring the provider's answer back to the relying party, as GET (or POST with `body`). */
export function returnTo(url: string, cookie: string | null, body?: string): Promise<Response> {
  return fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

/** The return URL with the claimed id and identity swapped for another user's (unsigned change). */
export function tamper(url: string, claimedId: string): string {
  const u = new URL(url);
  u.searchParams.set('openid.claimed_id', claimedId);
  u.searchParams.set('openid.identity', claimedId);
  return u.toString();
}
