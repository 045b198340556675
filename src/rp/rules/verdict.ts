/**
 * The one verdict shape of the relying party's §11 rules. Every rule of
 * `complete()` returns a {@link Check} (it establishes nothing) or a
 * {@link Verdict} (it establishes a value the next rules use: the login
 * state, the signed list, the nonce, the verified endpoint), and a refusal
 * always carries a stable code and a sentence for logs. `ok` discriminates,
 * so a passed verdict's value is typed without a cast.
 *
 * @example
 * const nonce = checkNonceWindow(message.get(OPENID_NS, 'response_nonce'), now, skew);
 * if (!nonce.ok) return failureOf(nonce);
 * nonce.value.timestamp; // number
 */
import type { CompleteFailureCode } from '../failure-codes.js';
import type { FailureResult } from '../result.js';

/** A rule refused the response: why, as a code (docs/failure-codes.md) and a sentence for logs. */
export interface Refusal {
  /** Discriminant: refused. */
  readonly ok: false;
  /** Stable reason. */
  readonly code: CompleteFailureCode;
  /** A sentence for logs. */
  readonly message: string;
}

/** The verdict of a rule that only checks: passed, or refused with a reason. */
export type Check = { readonly ok: true } | Refusal;

/** The verdict of a rule that establishes a value: the value, or a refusal. */
export type Verdict<T> = { readonly ok: true; readonly value: T } | Refusal;

/** The one passed {@link Check}: shared, so a rule that passes allocates nothing. */
export const PASS: Check = Object.freeze({ ok: true as const });

/** A refusal with `code` and `message`. */
export function refuse(code: CompleteFailureCode, message: string): Refusal {
  return { ok: false, code, message };
}

/** A passed verdict establishing `value`. */
export function pass<T>(value: T): Verdict<T> {
  return { ok: true, value };
}

/**
 * The failure `complete()` returns for a refusal; `assertedClaimedId` (the
 * UNVERIFIED claimed id the response named) is added when given.
 */
export function failureOf(refusal: Refusal, assertedClaimedId?: string): FailureResult {
  return assertedClaimedId === undefined
    ? { status: 'failure', code: refusal.code, message: refusal.message }
    : { status: 'failure', code: refusal.code, message: refusal.message, assertedClaimedId };
}
