import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DISCOVERY_ERROR_CODES, FETCH_ERROR_CODES } from '../../src/discovery/error-codes.js';

/** Discovery itself, and the relying party's begin(), which refuses or gives up on discovery too. */
const sourceDirs = ['../../src/discovery/', '../../src/rp/'].map((d) =>
  fileURLToPath(new URL(d, import.meta.url)),
);

/** Every `new <Kind>('code'` in those sources. */
function thrownCodes(kind: 'DiscoveryError' | 'FetchError'): Set<string> {
  const codes = new Set<string>();
  for (const dir of sourceDirs)
    for (const file of readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(new RegExp(`new ${kind}\\(\\s*'([a-z_]+)'`, 'g')))
        codes.add(m[1] as string);
    }
  return codes;
}

test('every FetchError code thrown by discovery is listed in FETCH_ERROR_CODES', () => {
  const listed = new Set<string>(FETCH_ERROR_CODES);
  const thrown = thrownCodes('FetchError');
  assert.ok(thrown.size >= 8);
  for (const code of thrown) assert.ok(listed.has(code), code);
});

test('every DiscoveryError code thrown by discovery is listed in DISCOVERY_ERROR_CODES', () => {
  const listed = new Set<string>(DISCOVERY_ERROR_CODES);
  const thrown = thrownCodes('DiscoveryError');
  assert.ok(thrown.size >= 10);
  for (const code of thrown) assert.ok(listed.has(code), code);
  for (const code of listed) assert.ok(thrown.has(code), `${code} is listed but never thrown`);
});
