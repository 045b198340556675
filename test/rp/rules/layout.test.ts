/**
 * The rules of complete() import downward only: the folders below rp, and
 * inside rp only the leaf modules they read — never the relying party that
 * calls them (docs/architecture.md, "The relying party's §11 pipeline").
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const RULES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'rp', 'rules');
const BELOW_RP = ['associations', 'extensions', 'discovery', 'diagnostics', 'stores', 'protocol', 'platform'];
const RP_LEAVES = [
  'failure-codes.js',
  'fixed-provider.js',
  'query-param.js',
  'result.js',
  'return-to-state.js',
  'rp-nonce.js',
  'state.js',
];

const files = readdirSync(RULES).filter((f) => f.endsWith('.ts'));

test('src/rp/rules has the rule modules', () => {
  assert.ok(files.length >= 10, files.join(', '));
});

for (const file of files) {
  test(`rules/${file} imports downward only`, () => {
    const imports = ts.preProcessFile(readFileSync(join(RULES, file), 'utf8'), true, true).importedFiles;
    for (const { fileName } of imports) {
      const ok =
        fileName.startsWith('./') ||
        (fileName.startsWith('../../') && BELOW_RP.includes(fileName.split('/')[2] ?? '')) ||
        (/^\.\.\/[^./][^/]*$/.test(fileName) && RP_LEAVES.includes(fileName.slice(3)));
      assert.ok(ok, `${file} imports ${fileName}`);
    }
  });
}
