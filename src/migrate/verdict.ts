/**
 * The verdict every migration rule returns: a value, or a failure with a
 * stable code from the rule's own union and a message for logs.
 */

/** A passed migration check and what it established. */
export interface MigrationSuccess<T> {
  /** Always true: the check passed. */
  readonly ok: true;
  /** What the check established. */
  readonly value: T;
}

/** A failed migration check. */
export interface MigrationFailure<Code extends string> {
  /** Always false: the check failed. */
  readonly ok: false;
  /** Stable code; switch on it. */
  readonly code: Code;
  /** What went wrong, for logs (may name URLs; never a token). */
  readonly message: string;
}

/** A {@link MigrationSuccess} or a {@link MigrationFailure}. */
export type MigrationVerdict<T, Code extends string> = MigrationSuccess<T> | MigrationFailure<Code>;

export const pass = <T>(value: T): MigrationSuccess<T> => ({ ok: true, value });

export const refuse = <Code extends string>(code: Code, message: string): MigrationFailure<Code> => ({
  ok: false,
  code,
  message,
});
