/**
 * The checkid request's return_to (spec §9.1, §9.2): an http(s) URL, free of
 * `openid.*` parameters, within the realm.
 *
 * Why no `openid.*` parameters (issue 18, item 7):
 *
 * The provider appends its answer to return_to. When return_to already holds
 * `openid.claimed_id=…`, the browser arrives with that unsigned value beside
 * the signed fields (or twice, once from each), and a lax relying party that
 * reads the first `openid.claimed_id` logs in whoever the link's author chose.
 *
 * Decision: refuse, not strip. Stripping would silently change a URL the
 * relying party chose (and §11.1 has the relying party compare every return_to
 * parameter, so a stripped answer fails there anyway, with a worse message);
 * no correct relying party puts `openid.*` in its own return_to, since the
 * `openid.` prefix is the protocol's (§4.1.2). Names are judged decoded
 * (`openid%2Eclaimed_id`), in any case (`OpenID.claimed_id`), and in the forms
 * PHP folds into `openid_…` (`openid_claimed_id`, `openid[claimed_id]`,
 * `openid claimed_id`), since PHP relying parties read them as the same key.
 * Names merely starting with `openid` and something else (`openid2.rp_nonce`,
 * python-openid's `openid1_claimed_id`, `janrain_nonce`) are the relying
 * party's own and pass.
 *
 * Two exact names pass as well: `openid.rpnonce` and `openid.rpsig`, which
 * openid4java's consumer adds to every OpenID 1.x return_to (its own replay
 * nonce and the HMAC it keeps over it; 1.x has no response_nonce). Refusing
 * them turned away every OpenID 1.x login from an openid4java relying party
 * (test/interop/java-rp-vs-op.test.ts). No OpenID 1.x or 2.0 field and no
 * extension field (`openid.<alias>.<key>`) has either name, so no answer
 * field can be shadowed by them, and §11.1 has the relying party compare
 * them with the signed return_to like any of its parameters.
 */
import type { Realm } from '../../protocol/realm.js';
import { webScheme } from '../../protocol/url-scheme.js';
import { type Check, ok, refuse } from '../verdict.js';

/**
 * return_to is an absolute http(s) URL: the provider redirects the browser
 * there, so nothing else (`javascript:`, a relative path) may pass.
 *
 * @example returnToIsWebUrl('javascript:alert(1)') // { ok: false, code: 'return_to_malformed', … }
 * @see OpenID 2.0 §9.1 (openid.return_to)
 */
export function returnToIsWebUrl(returnTo: string): Check {
  if (webScheme(returnTo) !== null) return ok;
  return refuse('return_to_malformed', `return_to is not a valid absolute URL: ${returnTo}`);
}

/**
 * return_to lies within the realm (its scheme, host under the realm's host,
 * port and path under the realm's path); a request without return_to has
 * nothing to send anywhere and passes.
 *
 * @example returnToWithinRealm(Realm.parse('https://*.rp.example/')!, 'https://www.rp.example/r') // { ok: true }
 * @see OpenID 2.0 §9.2
 */
export function returnToWithinRealm(realm: Realm, realmText: string, returnTo: string | null): Check {
  if (returnTo === null || realm.validateUrl(returnTo)) return ok;
  return refuse('return_to_not_in_realm', `return_to ${returnTo} is not within realm ${realmText}`);
}

const OPENID_ARG = /^openid[._ [\]]/i;
/** openid4java's OpenID 1.x return_to parameters (see above): exact, decoded names only. */
const OPENID4JAVA_ARGS: ReadonlySet<string> = new Set(['openid.rpnonce', 'openid.rpsig']);

/** The return_to's query parameter names that collide with the protocol's `openid.*` (decoded). */
export function openIdArgsIn(returnTo: string): string[] {
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const name of url.searchParams.keys())
    if (OPENID_ARG.test(name) && !OPENID4JAVA_ARGS.has(name)) names.add(name);
  return [...names];
}

/**
 * Refuse a return_to that already carries `openid.*` parameters.
 *
 * @example
 * checkReturnToHasNoOpenIDArgs('https://rp.example/r?openid.claimed_id=x') // { ok: false, ... }
 * @see OpenID 2.0 §4.1.2 (the `openid.` prefix), §10.1 (the response is added to return_to)
 */
export function checkReturnToHasNoOpenIDArgs(returnTo: string): Check {
  const names = openIdArgsIn(returnTo);
  if (names.length === 0) return ok;
  return refuse(
    'return_to_openid_args',
    `return_to carries openid.* parameters (${names.join(', ')}); they would sit unsigned beside the signed answer`,
  );
}
