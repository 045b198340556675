/**
 * When the ruby-openid interop tests run: skipped with a reason where Ruby or
 * ruby-openid is missing, but never skipped under CI=true (CI installs them,
 * so a missing one must fail loudly rather than pass silently).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rubyInteropSkipReason } from './ruby.js';

const MISSING = '/nonexistent/ruby';

test('a Ruby that cannot load ruby-openid skips the ruby interop tests, naming why', () => {
  const reason = rubyInteropSkipReason(MISSING, {});
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /cannot load ruby-openid/);
  assert.match(reason as string, /\/nonexistent\/ruby/);
});

test('under CI=true a missing ruby-openid is not a reason to skip', () => {
  assert.equal(rubyInteropSkipReason(MISSING, { CI: 'true' }), false);
});
