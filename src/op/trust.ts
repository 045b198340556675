/**
 * Whether to trust a checkid request, and why (issue 18, item 8).
 *
 * One call, {@link evaluateTrust}, runs the provider-side rules in order and
 * returns each verdict with a reason, so an app neither forgets a rule nor
 * shows a user a consent page for a request it should refuse:
 *
 * 1. `realm_well_formed`: the realm (trust_root) parses (§9.2);
 * 2. `realm_sane`: it names one site, judged on the Public Suffix List
 *    (`*.github.io`, `*.co.uk`, `*.gouv.fr`, `http://*.com/` are not);
 * 3. `return_to_within_realm`: return_to lies inside the realm (§9.2);
 * 4. `relying_party_discovery`: the realm's XRDS lists this return_to (§13).
 *    Run only when 1-3 hold: no fetch towards a realm already refused.
 *
 * The overall `verdict`:
 * - `refuse`: 1, 2 or 3 failed. Answer no (cancel / setup_needed) without
 *   asking the user, and never remember a decision for this realm;
 * - `unverified`: 1-3 hold, discovery did not confirm return_to. Many sites
 *   publish no XRDS: ask the user with a warning, or refuse by policy;
 * - `verified`: every rule holds.
 */

import type { Fetcher } from '../discovery/fetcher.js';
import { Realm } from '../protocol/realm.js';
import { realmListsReturnTo } from './rules/return-to-discovery.js';

/** The rules `CheckIDRequest.evaluateTrust()` applies, in order. */
export type TrustRule =
  | 'realm_well_formed'
  | 'realm_sane'
  | 'return_to_within_realm'
  | 'relying_party_discovery';

/** One rule's verdict, with a sentence fit for logs and, escaped, for a consent page. */
export interface TrustCheck {
  /** Which rule this is. */
  readonly rule: TrustRule;
  /** `passed`, `failed`, or `skipped` (an earlier rule failed, so this one was not run). */
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** Why, in a sentence (holds request values: escape it before putting it in a page). */
  readonly reason: string;
}

/** The answer of `CheckIDRequest.evaluateTrust()`. */
export interface TrustEvaluation {
  /** `refuse`: answer no without asking; `unverified`: ask with a warning (or refuse by policy); `verified`: all rules hold. */
  readonly verdict: 'refuse' | 'unverified' | 'verified';
  /** Every rule, in order, each with its reason. */
  readonly checks: readonly TrustCheck[];
}

/** What {@link evaluateTrust} needs of a checkid request. */
export interface TrustSubject {
  /** `openid.realm` (or 1.x `trust_root`, defaulting to return_to). */
  readonly realm: string;
  /** `openid.return_to`, or null when absent. */
  readonly returnTo: string | null;
}

const check = (rule: TrustRule, outcome: TrustCheck['outcome'], reason: string): TrustCheck => ({
  rule,
  outcome,
  reason,
});

/** Rules 1-3: pure, no I/O. Returns the checks and the parsed realm when all three passed. */
export function evaluateRealm(subject: TrustSubject): { checks: TrustCheck[]; realm: Realm | null } {
  const realm = Realm.parse(subject.realm);
  if (realm === null) {
    return {
      realm: null,
      checks: [
        check('realm_well_formed', 'failed', `the realm ${subject.realm} is not a valid realm (§9.2)`),
        check('realm_sane', 'skipped', 'the realm does not parse'),
        check('return_to_within_realm', 'skipped', 'the realm does not parse'),
      ],
    };
  }
  const checks = [check('realm_well_formed', 'passed', `the realm ${realm} parses`)];
  const sane = realm.isSane();
  checks.push(
    sane
      ? check('realm_sane', 'passed', `the realm ${realm} names one site`)
      : check(
          'realm_sane',
          'failed',
          `the realm ${realm} covers sites of many owners (a public suffix such as *.co.uk or *.github.io, a bare TLD, or an unknown TLD)`,
        ),
  );
  if (subject.returnTo === null) {
    checks.push(
      check('return_to_within_realm', 'passed', 'the request has no return_to: nothing is sent anywhere'),
    );
  } else if (realm.validateUrl(subject.returnTo)) {
    checks.push(
      check('return_to_within_realm', 'passed', `return_to ${subject.returnTo} lies within the realm`),
    );
  } else {
    checks.push(
      check(
        'return_to_within_realm',
        'failed',
        `return_to ${subject.returnTo} lies outside the realm ${realm}`,
      ),
    );
  }
  return { checks, realm: checks.every((c) => c.outcome === 'passed') ? realm : null };
}

/**
 * Whether to trust a checkid request, rule by rule (see the module comment).
 * Fetches the realm's XRDS through `fetcher` (the provider's SSRF-guarded
 * one) only when the realm rules hold; never throws for a network failure.
 *
 * @example
 * const trust = await checkid.evaluateTrust();
 * if (trust.verdict === 'refuse') return checkid.deny();
 * showConsent({ warning: trust.verdict === 'unverified', reasons: trust.checks });
 * @see OpenID 2.0 §9.2 (realm), §13 (relying-party discovery)
 */
export async function evaluateTrust(subject: TrustSubject, fetcher: Fetcher): Promise<TrustEvaluation> {
  const { checks, realm } = evaluateRealm(subject);
  if (realm === null) {
    checks.push(check('relying_party_discovery', 'skipped', 'not run: the realm is refused'));
    return { verdict: 'refuse', checks };
  }
  checks.push(await discoveryCheck(realm, subject.returnTo, fetcher));
  const discovered = checks[checks.length - 1]?.outcome === 'passed';
  return { verdict: discovered ? 'verified' : 'unverified', checks };
}

async function discoveryCheck(realm: Realm, returnTo: string | null, fetcher: Fetcher): Promise<TrustCheck> {
  const rule = 'relying_party_discovery';
  if (returnTo === null) return check(rule, 'failed', 'the request has no return_to to verify');
  const v = await realmListsReturnTo(realm, returnTo, fetcher);
  if (v.ok) return check(rule, 'passed', `the realm's XRDS lists return_to ${returnTo}`);
  // A realm without an XRDS reads as one listing nothing, as it always has here.
  return check(
    rule,
    'failed',
    v.code === 'no_discovery_document' ? `the realm's XRDS lists no return_to endpoint` : v.message,
  );
}
