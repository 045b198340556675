/**
 * The verdict every migration rule returns: a value, or a failure with a
 * stable code from the rule's own union and a message for logs.
 */

/** A failed migration check. */
export interface MigrationFailure<Code extends string> {
  readonly ok: false;
  /** Stable code; switch on it. */
  readonly code: Code;
  /** What went wrong, for logs (may name URLs; never a token). */
  readonly message: string;
}

/** `{ ok: true, value }` or a {@link MigrationFailure}. */
export type MigrationVerdict<T, Code extends string> =
  | { readonly ok: true; readonly value: T }
  | MigrationFailure<Code>;

export const pass = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const refuse = <Code extends string>(code: Code, message: string): MigrationFailure<Code> => ({
  ok: false,
  code,
  message,
});
