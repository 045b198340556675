/**
 * When the openid4java interop tests run: skipped with a reason where the
 * openid4java jar or javac is missing, but never skipped under CI=true (CI
 * installs them, so a missing one must fail loudly rather than pass silently).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaInteropSkipReason } from './java.js';

const MISSING_JAR = '/nonexistent/openid4java.jar';

test('a missing openid4java jar skips the openid4java interop tests, naming why', () => {
  const reason = javaInteropSkipReason(MISSING_JAR, '/usr/bin/javac', {});
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /\/nonexistent\/openid4java\.jar/);
  assert.match(reason as string, /libopenid4java-java/);
});

test('a missing javac skips them too', () => {
  assert.match(String(javaInteropSkipReason(MISSING_JAR, '/nonexistent/javac', {})), /\/nonexistent\/javac/);
});

test('under CI=true a missing openid4java is not a reason to skip', () => {
  assert.equal(javaInteropSkipReason(MISSING_JAR, '/nonexistent/javac', { CI: 'true' }), false);
});
