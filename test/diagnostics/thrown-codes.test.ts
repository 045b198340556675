/**
 * Every error code src/ throws is named in an exported code list (and so, by
 * failure-codes.test.ts, documented in docs/failure-codes.md). The codes are
 * found by reading the source: `new SomethingError('code', …)`, also when the
 * code sits on the next line. A new code added without a list entry fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DISCOVERY_ERROR_CODES, FETCH_ERROR_CODES } from '../../src/discovery/error-codes.js';
import { PROVIDER_ERROR_CODES } from '../../src/op/error-codes.js';
import { PROTOCOL_ERROR_CODES, USAGE_ERROR_CODES } from '../../src/protocol/error-codes.js';
import { ASSOCIATE_FAILURE_CODES, COMPLETE_FAILURE_CODES } from '../../src/rp/failure-codes.js';
import { STORE_ERROR_CODES } from '../../src/stores/error-codes.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
const listed = new Set<string>([
  ...COMPLETE_FAILURE_CODES,
  ...ASSOCIATE_FAILURE_CODES,
  ...DISCOVERY_ERROR_CODES,
  ...FETCH_ERROR_CODES,
  ...PROVIDER_ERROR_CODES,
  ...STORE_ERROR_CODES,
  ...PROTOCOL_ERROR_CODES,
  ...USAGE_ERROR_CODES,
]);

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

/** `new XError('code'` — not plain `Error`, whose first argument is a message. */
const THROWN = /new ([A-Z][A-Za-z]*Error)\(\s*'([a-z][a-z0-9_]*)'/g;
// SteamProfileError's codes are a closed type of their own (SteamProfileErrorCode), so the
// compiler already refuses an unnamed one; docs/migrate-from-passport-steam.md lists them.
const OWN_UNION = new Set(['SteamProfileError']);

test('every code thrown in src/ is in an exported list', () => {
  const found: string[] = [];
  const missing: string[] = [];
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(THROWN)) {
      const [, cls, code] = m as unknown as [string, string, string];
      if (OWN_UNION.has(cls) || cls === 'Error') continue;
      found.push(code);
      if (!listed.has(code)) missing.push(`${code} (${cls} in ${file.slice(SRC.length)})`);
    }
  }
  // The scan must see the codes it is about, or it checks nothing.
  for (const known of ['uri_invalid', 'invalid_option', 'store_unavailable', 'fetch_failed', 'sreg_invalid'])
    assert.ok(found.includes(known), `the scan did not find ${known}`);
  assert.deepEqual(missing, []);
});

test('the scan pattern reads a code on the next line and skips plain Error', () => {
  const sample = "throw new ProtocolError(\n  'made_up_code',\n  'msg');\nthrow new Error('not_a_code');";
  assert.deepEqual(
    [...sample.matchAll(THROWN)].map((m) => [m[1], m[2]]),
    [['ProtocolError', 'made_up_code']],
  );
});
