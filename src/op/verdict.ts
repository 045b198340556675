/**
 * The verdict every provider-side rule returns (src/op/rules/): the rule
 * holds, with the value it established when it establishes one, or it fails
 * with a stable code and a sentence. Defined once so every pipeline reads
 * `if (!v.ok) …` and narrows without a cast.
 */
import type { ProviderErrorCode } from './error-codes.js';

/** The codes a checkid or associate rule refuses with: the provider's wire error codes, plus `invalid_option` for an app's bad answer option. */
export type RuleCode = ProviderErrorCode | 'invalid_option';

/** A rule that holds. Rules that establish a value (a parsed realm, a session type) carry it. */
export type RulePass<T> = [T] extends [undefined]
  ? {
      /** The rule holds. */
      readonly ok: true;
    }
  : {
      /** The rule holds. */
      readonly ok: true;
      /** What the rule established. */
      readonly value: T;
    };

/** A rule that fails: a stable code, a sentence for logs, and optionally one safe to show the relying party. */
export interface RuleRefusal<C extends string = RuleCode> {
  /** The rule fails. */
  readonly ok: false;
  /** Stable code: `switch` on it. */
  readonly code: C;
  /** Why, for logs (may hold request values and provider-private ones). */
  readonly message: string;
  /** What the relying party may be told, when `message` holds what it must not learn. */
  readonly publicMessage?: string;
}

/** The typed verdict of one provider-side rule. */
export type RuleVerdict<T = undefined, C extends string = RuleCode> = RulePass<T> | RuleRefusal<C>;

/** A verdict without a value: ok, or a stable code and a sentence. */
export type Check = RuleVerdict;

/** The passing verdict of a rule without a value. */
export const ok: { readonly ok: true } = { ok: true };

/** The passing verdict of a rule that establishes `value`. */
export function pass<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** A failing verdict. */
export function refuse<C extends string>(code: C, message: string, publicMessage?: string): RuleRefusal<C> {
  return publicMessage === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, publicMessage };
}
