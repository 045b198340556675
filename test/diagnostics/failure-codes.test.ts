/**
 * docs/failure-codes.md lists exactly the codes of the exported lists:
 * every listed code is documented in its families, and every documented
 * code is in each list it names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DISCOVERY_ERROR_CODES, FETCH_ERROR_CODES } from '../../src/discovery/error-codes.js';
import { PROVIDER_ERROR_CODES } from '../../src/op/error-codes.js';
import { PROTOCOL_ERROR_CODES, USAGE_ERROR_CODES } from '../../src/protocol/error-codes.js';
import { ASSOCIATE_FAILURE_CODES, COMPLETE_FAILURE_CODES } from '../../src/rp/failure-codes.js';
import { STORE_ERROR_CODES } from '../../src/stores/error-codes.js';

const LISTS: Record<string, readonly string[]> = {
  complete: COMPLETE_FAILURE_CODES,
  associate: ASSOCIATE_FAILURE_CODES,
  discovery: DISCOVERY_ERROR_CODES,
  fetch: FETCH_ERROR_CODES,
  provider: PROVIDER_ERROR_CODES,
  store: STORE_ERROR_CODES,
  protocol: PROTOCOL_ERROR_CODES,
  usage: USAGE_ERROR_CODES,
};

const doc = readFileSync(new URL('../../docs/failure-codes.md', import.meta.url), 'utf8');
/** Rows of the code table: code, families, cause, action. */
const rows = doc
  .split('\n')
  .filter((l) => /^\| `[a-z0-9_]+` \| [a-z, ]+ \|/.test(l))
  .map((l) => l.split(' | ').map((c) => c.replace(/^\| |`| \|$/g, '').trim()));

test('every code of every list has a row naming its family, with a cause and an action', () => {
  for (const [family, list] of Object.entries(LISTS)) {
    for (const code of list) {
      const row = rows.find((r) => r[0] === code);
      assert.ok(row, `${code} (${family}) is not in docs/failure-codes.md`);
      assert.ok(row[1]?.split(', ').includes(family), `${code}'s row does not name ${family}`);
      assert.ok(
        (row[2]?.length ?? 0) > 5 && (row[3]?.length ?? 0) > 5,
        `${code} needs a cause and an action`,
      );
    }
  }
});

test('every documented code is in each list its row names, and appears once', () => {
  const seen = new Set<string>();
  for (const [code, families] of rows) {
    assert.ok(code && !seen.has(code), `${code} documented twice`);
    seen.add(code);
    for (const family of families?.split(', ') ?? []) {
      const list = LISTS[family];
      assert.ok(list, `${code}: unknown family ${family}`);
      assert.ok(list.includes(code), `${code} is documented as ${family} but not in that list`);
    }
  }
});

test('the lists are frozen', () => {
  for (const [family, list] of Object.entries(LISTS)) assert.ok(Object.isFrozen(list), family);
});

test('the table documents one row per distinct code', () => {
  const all = new Set(Object.values(LISTS).flat());
  assert.equal(rows.length, all.size);
});
