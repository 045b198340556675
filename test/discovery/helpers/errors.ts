/** Assertion helpers for rejected promises and thrown errors. */
import assert from 'node:assert/strict';
import { type DiscoveryError, FetchError } from '../../../src/protocol/errors.js';

/** A predicate for assert.rejects/throws: the error is a `kind` with `code` (and a message matching `message`). */
export function isError(kind: typeof DiscoveryError | typeof FetchError, code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof kind, `expected ${kind.name} ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

/** Shorthand for a FetchError with `code`. */
export function isFetchError(code: string, message?: RegExp) {
  return isError(FetchError, code, message);
}
