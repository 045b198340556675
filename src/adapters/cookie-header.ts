/**
 * The one `Cookie` request header parser of the package (the adapters' state
 * cookie and the demo's session cookie both read through it).
 *
 * It returns every pair, in the order the browser sent them, and never
 * collapses duplicates: several cookies of one name are what cookie tossing
 * (a sibling subdomain or a plain-http page setting a cookie for our host)
 * looks like, and "the first one wins" lets the attacker choose, since a
 * browser sends the cookie with the longer Path first. Callers pick among
 * duplicates by something the attacker cannot forge (a MAC, the login's nonce).
 */

/** One `name=value` pair of a Cookie header; the value is as sent (not percent-decoded). */
export interface CookiePair {
  /** The cookie's name, as sent (case-sensitive). */
  readonly name: string;
  /** Its value, surrounding double quotes removed. */
  readonly value: string;
}

/** Every pair of a `Cookie` header, in order, duplicates kept. Malformed parts (no `=`, no name) are skipped. */
export function parseCookieHeader(header: string | null | undefined): CookiePair[] {
  const out: CookiePair[] = [];
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '') continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push({ name, value });
  }
  return out;
}

/** Every non-empty value sent for cookie `name` (exact, case-sensitive name), in order. */
export function cookieValues(header: string | null | undefined, name: string): string[] {
  return parseCookieHeader(header)
    .filter((p) => p.name === name && p.value !== '')
    .map((p) => p.value);
}
