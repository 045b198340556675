/**
 * Secret-bearing objects print without their secrets. `util.inspect`, `console.log`, `%o` and
 * `JSON.stringify` see a redacted view; the secret itself stays reachable through its property
 * for the library code that needs it (signing, storing). The inspect hook is looked up by its
 * registered symbol, so the protocol core needs no `node:util` import (Web runtimes).
 */

/** What a redacted value prints as. */
export const REDACTED = '[redacted]';

/** The symbol `util.inspect` calls (`util.inspect.custom`). */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

type Inspect = (value: unknown, options: unknown) => string;

/**
 * Make `property` of `target` non-enumerable (hidden from `Object.keys`, spread, `JSON.stringify`
 * and a plain inspect), keeping it readable and read-only (now at run time too).
 */
export function hideProperty(target: object, property: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, property);
  if (descriptor === undefined) return;
  Object.defineProperty(target, property, { ...descriptor, enumerable: false, writable: false });
}

/**
 * `util.inspect` output for a redacted view: `Name { ...view }`, honouring the caller's options
 * (depth, colours). Falls back to JSON where no inspect function is passed (older runtimes).
 */
export function inspectRedacted(
  name: string,
  view: Readonly<Record<string, unknown>>,
  options: unknown,
  inspect: Inspect | undefined,
): string {
  const body = typeof inspect === 'function' ? inspect(view, options) : JSON.stringify(view);
  return `${name} ${body}`;
}
