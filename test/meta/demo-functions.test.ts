/**
 * The demo is read as an example of using the package, so its handlers stay
 * small (issue 19): no function in demo/ spans 60 lines or more. Measured on
 * the syntax tree, so a nested function counts on its own and inside its parent.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAX_LINES = 60;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every function-like node of `file` with its span in lines. */
function functionSpans(file: string): { where: string; lines: number }[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ where: `${relative(ROOT, file)}:${first + 1}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test(`no function in demo/ is ${MAX_LINES} lines or longer`, () => {
  const spans = files(join(ROOT, 'demo')).flatMap(functionSpans);
  assert.ok(spans.length > 50, `only ${spans.length} functions found`);
  const long = spans.filter((s) => s.lines >= MAX_LINES).map((s) => `${s.where} (${s.lines} lines)`);
  assert.deepEqual(long, []);
});
