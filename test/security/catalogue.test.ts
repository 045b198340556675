/**
 * Coverage of the attack catalogue, checked both ways against
 * docs/security-cases.md (the repository's own list of cases): every case ID
 * listed there in a checked category must be named by some test title under
 * test/ (test, it or describe), or be listed with a reason in
 * not-applicable.ts; and every case ID a test title names must be listed
 * there. Titles are read from the source text, so a title built at run time
 * (a template with ${…}) does not count: name the case literally.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NOT_APPLICABLE, PENDING_ELSEWHERE } from './not-applicable.js';

/** Every category of the catalogue is checked. */
const CHECKED = [
  'SIG',
  'SL',
  'EXT',
  'DV',
  'IS',
  'NS',
  'NO',
  'AS',
  'CA',
  'RT',
  'RE',
  'OPR',
  'DH',
  'KV',
  'XML',
  'SS',
  'HT',
  'UR',
  'TM',
  'SE',
  'NE',
  'TL',
  'AP',
];

const testRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** docs/security-cases.md: one table row per case, the ID in the first cell. */
const cataloguePath = join(testRoot, '..', 'docs', 'security-cases.md');

/** Case IDs, in catalogue order: the first cell of each table row. */
export function parseCaseIds(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*([A-Z]+-\d{2})\s*\|/gm)].map((m) => m[1] as string);
}

/** Every literal title of test(), it() and describe() calls in the test files below `dir`. */
export function collectTitles(dir: string): string[] {
  const titles: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(/\b(?:test|it|describe)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) {
          titles.push(m[2] as string);
        }
      }
    }
  };
  walk(dir);
  return titles;
}

describe('security catalogue coverage', () => {
  const ids = parseCaseIds(readFileSync(cataloguePath, 'utf8'));
  const titles = collectTitles(testRoot);
  const named = (id: string) => titles.some((t) => new RegExp(`(^|[^A-Z0-9-])${id}([^0-9]|$)`).test(t));

  test('the catalogue parses: unique IDs in every checked category', () => {
    assert.equal(new Set(ids).size, ids.length, 'case IDs are unique');
    assert.ok(ids.length >= 200, `found ${ids.length} case IDs`);
    for (const prefix of CHECKED)
      assert.ok(
        ids.some((id) => id.startsWith(`${prefix}-`)),
        prefix,
      );
  });

  test('every case of the checked categories has a test named after it, or a reason', () => {
    const missing = ids
      .filter((id) => CHECKED.includes(id.split('-')[0] as string))
      .filter((id) => !named(id) && !(id in NOT_APPLICABLE) && !PENDING_ELSEWHERE.includes(id));
    assert.deepEqual(missing, [], `no test title names: ${missing.join(', ')}`);
  });

  test('every case ID a test title names is listed in docs/security-cases.md', () => {
    const pattern = new RegExp(`(?:^|[^A-Z0-9-])((?:${CHECKED.join('|')})-\\d{2})(?![0-9])`, 'g');
    const mentioned = new Set(titles.flatMap((t) => [...t.matchAll(pattern)].map((m) => m[1] as string)));
    const unlisted = [...mentioned].filter((id) => !ids.includes(id)).sort();
    assert.deepEqual(
      unlisted,
      [],
      `named by tests but not in docs/security-cases.md: ${unlisted.join(', ')}`,
    );
  });

  test('the not-applicable list is honest: known IDs, a reason each, none that a test already names', () => {
    for (const [id, reason] of Object.entries(NOT_APPLICABLE)) {
      assert.ok(ids.includes(id), `${id} is not in the catalogue`);
      assert.ok(reason.trim().length > 20, `${id} needs a reason`);
      assert.equal(named(id), false, `${id} has a test: drop it from NOT_APPLICABLE`);
    }
    for (const id of PENDING_ELSEWHERE) assert.ok(ids.includes(id), `${id} is not in the catalogue`);
  });

  test('the title scanner sees literal titles only', () => {
    // Guards the scanner itself against a regex that matches everything or nothing.
    assert.ok(titles.length > 100, `found ${titles.length} titles`);
    assert.ok(titles.some((t) => t.startsWith('SIG-01 ')));
    assert.equal(named('ZZ-99'), false);
  });
});
