/**
 * Realms (`openid.realm`; `openid.trust_root` in OpenID 1.x), spec §9.2: the
 * URL pattern that names a relying party and bounds where its assertions may
 * be sent.
 *
 * Rules, and where this module chose (the python-openid vectors in
 * `trustroot.txt` are the reference; the few it judges wrong are listed in
 * test/protocol/realm-vectors.test.ts with reasons):
 * - only `http` / `https`, no fragment, no userinfo, no whitespace, control
 *   characters or backslashes; a wildcard is only `*.` as the whole leftmost
 *   label (or the whole host `*`), never over an IP address;
 * - hosts compare in canonical ASCII form: IDN hosts are accepted and turned
 *   into `xn--` labels (an IRI host, as browsers do), IPv4 in dotted decimal,
 *   one trailing dot dropped (`example.com.` is `example.com`), empty labels
 *   (`http://.it/`) refused;
 * - a URL is within the realm when scheme and port (defaults applied) are
 *   equal, the host is equal or, with a wildcard, ends in `.` + the realm's
 *   host, and the realm's path is a prefix of the URL's path that ends at a
 *   segment boundary (`/` or `?` next, or the realm path ends in `/`); a
 *   realm with a query matches only URLs whose query extends it at a `&`.
 *   Paths are compared after dot-segment removal and percent-encoding
 *   normalization, so `/app/../admin` is not within `/app/`.
 */
import { parse as parseDomain } from 'tldts';
import { KNOWN_TLDS } from './realm-tlds.js';
import { DEFAULT_PORTS, type HttpUrlParts, isIpLiteral, parseHttpUrl } from './realm-url.js';

/**
 * Realms already parsed, by text (null: not a realm). A provider parses the
 * same few realms on every checkid request, and parsing was about a fifth of
 * signing an assertion (issue 10 profile). Bounded, since the texts come from
 * the network: past the bound the cache starts over.
 */
const parsedRealms = new Map<string, Realm | null>();
const PARSED_REALMS_CACHE_SIZE = 256;

/**
 * A parsed realm. Immutable; build one with {@link Realm.parse}.
 *
 * @example
 * const realm = Realm.parse('https://*.rp.example/');
 * realm?.validateUrl('https://www.rp.example/return'); // true
 * realm?.validateUrl('https://evilrp.example/');      // false
 * @see OpenID 2.0 §9.2
 */
export class Realm {
  /** `http` or `https`. */
  readonly scheme: 'http' | 'https';
  /** Lower-case ASCII host, without the `*.` of a wildcard; `''` when the host is just `*`. */
  readonly host: string;
  /** Port, with the scheme's default applied. */
  readonly port: number;
  /** Normalized path, starting with `/`. */
  readonly path: string;
  /** Query without the `?`, or null. */
  readonly query: string | null;
  /** Whether the realm covers subdomains of `host` (`*.` prefix). */
  readonly wildcard: boolean;

  private constructor(parts: HttpUrlParts) {
    this.scheme = parts.scheme;
    this.host = parts.host;
    this.port = parts.port;
    this.path = parts.path;
    this.query = parts.query;
    this.wildcard = parts.wildcard;
  }

  /**
   * Parses a realm. Returns null when `text` is not a realm (wrong scheme,
   * fragment, misplaced wildcard, bad host or port, whitespace, ...).
   *
   * @example Realm.parse('http://*.example.com/')?.wildcard // true
   */
  static parse(text: string): Realm | null {
    const hit = parsedRealms.get(text);
    if (hit !== undefined) return hit;
    const parts = parseHttpUrl(text, { allowWildcard: true });
    // Frozen: one instance is shared by every caller that parses the same text.
    const realm = parts === null ? null : new Realm(parts);
    if (realm !== null) Object.freeze(realm);
    if (parsedRealms.size >= PARSED_REALMS_CACHE_SIZE) parsedRealms.clear();
    parsedRealms.set(text, realm);
    return realm;
  }

  /**
   * Whether the realm is specific enough to identify one relying party
   * (spec §9.2.2 leaves the rule to the OP; a provider should refuse, or at
   * least never remember approval for, an insane realm). Sane are:
   * `localhost`, IP addresses, and hosts of at least two labels whose last
   * label is a known TLD (IANA list, plus `example` / `test` / `localhost`),
   * judged against the Public Suffix List (the `tldts` package, ICANN and
   * private sections): a wildcard must sit below a registrable domain, so
   * `*.co.uk`, `*.gouv.fr`, `*.github.io` and `*.s3.amazonaws.com` are
   * insane while `*.bar.co.uk` and `*.alice.github.io` are sane; a realm
   * without wildcard must not be an ICANN public suffix itself
   * (`http://co.uk/`). Insane too: `*`, a TLD alone (`http://it/`,
   * `*.museum`), unknown TLDs (`*.foo.notatld`).
   *
   * @example Realm.parse('http://*.github.io/')?.isSane() // false
   */
  isSane(): boolean {
    if (this.host === 'localhost' && !this.wildcard) return true;
    if (isIpLiteral(this.host)) return true;
    if (this.host === '') return false;
    const labels = this.host.split('.');
    const tld = labels[labels.length - 1] as string;
    if (!KNOWN_TLDS.has(tld)) return false;
    if (labels.length === 1) return false;
    const psl = parseDomain(this.host, { allowPrivateDomains: true });
    // No registrable domain: the host is itself a public suffix (co.uk, github.io).
    const isSuffix = psl.domain === null || psl.publicSuffix === this.host;
    if (this.wildcard) return !isSuffix;
    return !(isSuffix && psl.isIcann === true);
  }

  /**
   * Whether `url` (a return_to) lies within this realm. An unparseable URL,
   * or one with a fragment, userinfo or a wildcard, is never within.
   *
   * @example Realm.parse('http://x.com/abc')?.validateUrl('http://x.com/abcd') // false
   * @see OpenID 2.0 §9.2
   */
  validateUrl(url: string): boolean {
    const u = parseHttpUrl(url, { allowWildcard: false });
    if (u === null) return false;
    if (u.scheme !== this.scheme || u.port !== this.port) return false;
    if (!this.hostMatches(u.host)) return false;
    return this.pathMatches(u.path + (u.query === null ? '' : `?${u.query}`));
  }

  /** Canonical text of the realm: what to show a user and key remembered decisions by. */
  toString(): string {
    const host = this.wildcard ? (this.host === '' ? '*' : `*.${this.host}`) : this.host;
    return this.format(host);
  }

  /**
   * URL to run relying-party discovery on (spec §9.2.1, §13): the realm
   * itself, with a wildcard replaced by `www`.
   *
   * @example Realm.parse('https://*.rp.example/')?.discoveryUrl() // 'https://www.rp.example/'
   */
  discoveryUrl(): string {
    const host = this.wildcard ? (this.host === '' ? 'www' : `www.${this.host}`) : this.host;
    return this.format(host);
  }

  private format(host: string): string {
    const port = this.port === DEFAULT_PORTS[this.scheme] ? '' : `:${this.port}`;
    return `${this.scheme}://${host}${port}${this.pathAndQuery()}`;
  }

  private pathAndQuery(): string {
    return this.path + (this.query === null ? '' : `?${this.query}`);
  }

  private hostMatches(host: string): boolean {
    if (host === this.host) return true;
    if (!this.wildcard) return false;
    // `*` alone covers every host; `*.b.com` covers b.com and names ending in `.b.com` (label boundary).
    return this.host === '' || host.endsWith(`.${this.host}`);
  }

  private pathMatches(urlPath: string): boolean {
    const own = this.pathAndQuery();
    if (urlPath === own) return true;
    if (!urlPath.startsWith(own)) return false;
    const last = own[own.length - 1];
    const next = urlPath[own.length];
    if (this.query !== null) return last === '&' || next === '&';
    return last === '/' || next === '/' || next === '?';
  }
}

/**
 * Relying-party discovery check (spec §9.2.1, §13): whether `returnTo` is
 * within one of the return_to URLs the realm's XRDS advertises. Each
 * advertised URL is read as a realm; those that do not parse, or carry a
 * wildcard (an endpoint is a URL, not a pattern), match nothing.
 *
 * @example returnToMatchesAny(['https://rp.example/return'], 'https://rp.example/return?x=1') // true
 * @see OpenID 2.0 §9.2.1
 */
export function returnToMatchesAny(allowedReturnTos: readonly string[], returnTo: string): boolean {
  for (const allowed of allowedReturnTos) {
    const realm = Realm.parse(allowed);
    if (realm !== null && !realm.wildcard && realm.validateUrl(returnTo)) return true;
  }
  return false;
}
