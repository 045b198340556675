/**
 * When the interop tests run: skipped with a reason where python-openid is
 * missing, but never skipped under CI=true (CI installs it, so a missing one
 * must fail loudly rather than pass silently).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interopSkipReason } from './python.js';

const MISSING = '/nonexistent/python3';

test('a Python that cannot import openid skips the interop tests, naming why', () => {
  const reason = interopSkipReason(MISSING, {});
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /cannot import python-openid/);
  assert.match(reason as string, /\/nonexistent\/python3/);
});

test('under CI=true a missing python-openid is not a reason to skip', () => {
  assert.equal(interopSkipReason(MISSING, { CI: 'true' }), false);
});
