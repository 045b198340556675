/**
 * When the Perl interop tests run: skipped with a reason where Net::OpenID is
 * missing, but never skipped under CI=true (CI installs it, so a missing one
 * must fail loudly rather than pass silently).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { perlSkipReason } from './perl.js';

const MISSING = '/nonexistent/perl';

test('a Perl that cannot load Net::OpenID skips the Perl interop tests, naming why and what to install', () => {
  const reason = perlSkipReason(MISSING, {});
  assert.equal(typeof reason, 'string');
  assert.match(reason as string, /\/nonexistent\/perl cannot load Net::OpenID/);
  assert.match(reason as string, /libnet-openid-consumer-perl/);
  assert.match(reason as string, /libnet-openid-server-perl/);
});

test('under CI=true a missing Net::OpenID is not a reason to skip', () => {
  assert.equal(perlSkipReason(MISSING, { CI: 'true' }), false);
});
