/**
 * Every TypeScript block of README.md and docs/*.md compiles under the
 * project's strict settings (tsconfig.json), against the package's own types
 * (`openid2/...` mapped to src/ as for bench). Each block is its own module;
 * what a block leaves to the application (its session, `signIn`, a store
 * built elsewhere) is declared once in stand-ins.d.ts. A block that is a
 * fragment on purpose opts out with ```ts nocheck: <why>.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STAND_INS = join(ROOT, 'test', 'docs', 'stand-ins.d.ts');
/** Where the blocks are put, for module resolution only: nothing is written there. */
const VIRTUAL_DIR = join(ROOT, 'test', 'docs', '.blocks');
/** How many blocks may opt out; raise it only with a reason in the block's info string. */
const MAX_OPT_OUTS = 3;

interface Block {
  /** `docs/provider.md:16`: the line of the opening fence. */
  where: string;
  code: string;
  /** The reason after `nocheck:`, or null for a block that is checked. */
  optOut: string | null;
  /** The virtual file the block is compiled as. */
  path: string;
}

const FENCE = /^```(?:ts|typescript)(?:[ \t]+([^\n]*))?\n([\s\S]*?)^```/gm;

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(FENCE)].map((m) => {
    const line = text.slice(0, m.index).split('\n').length;
    const info = (m[1] ?? '').trim();
    const optOut = /^nocheck\b:?\s*(.*)$/.exec(info);
    return {
      where: `${file}:${line}`,
      code: m[2] as string,
      optOut: optOut ? (optOut[1] as string) : null,
      // .mts: an ES module whatever package.json says, so top-level await is allowed.
      path: join(VIRTUAL_DIR, `${file.replace(/[^\w]+/g, '_')}_${line}.mts`),
    };
  });
}

const guides = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocks = guides.flatMap(blocksOf);
const checked = blocks.filter((b) => b.optOut === null);

/** Compile every checked block with the stand-ins in one program; diagnostics by virtual path. */
function compile(): { byPath: Map<string, string[]>; global: string[] } {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noUnusedLocals: false };
  // Each block is a module: its top-level names do not meet another block's.
  const sources = new Map(checked.map((b) => [b.path, `${b.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = sources.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, lang, ...rest)
      : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram({ rootNames: [...sources.keys(), STAND_INS], options, host });
  const format = (d: ts.Diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `line ${line + 1}:${character + 1}: ${message}`;
  };
  const byPath = new Map<string, string[]>();
  for (const b of checked) {
    const sf = program.getSourceFile(b.path);
    assert.ok(sf, b.where);
    byPath.set(
      b.path,
      [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(format),
    );
  }
  const standIns = program.getSourceFile(STAND_INS);
  assert.ok(standIns);
  const global = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(standIns),
  ].map(format);
  return { byPath, global };
}

describe('TypeScript blocks of the guides compile', () => {
  const { byPath, global } = compile();

  test('the blocks are found, and the stand-ins and options compile', () => {
    // README alone has 8 blocks; a broken fence pattern would find none and check nothing.
    assert.ok(checked.length >= 20, `only ${checked.length} blocks found`);
    assert.deepEqual(global, []);
  });

  test(`at most ${MAX_OPT_OUTS} blocks opt out, each saying why`, () => {
    const optOuts = blocks.filter((b) => b.optOut !== null);
    assert.ok(optOuts.length <= MAX_OPT_OUTS, optOuts.map((b) => b.where).join(', '));
    for (const b of optOuts) assert.ok((b.optOut ?? '').length >= 10, `${b.where}: say why after nocheck:`);
  });

  for (const b of checked) {
    test(b.where, () => {
      assert.deepEqual(byPath.get(b.path), [], `${b.where} (line numbers count from the fence's next line)`);
    });
  }
});
