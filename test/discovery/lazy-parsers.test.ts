/**
 * Importing `openid2` loads neither document parser: htmlparser2 and saxes are
 * required the first time an HTML page or an XRDS document is parsed
 * (src/discovery/parsers.ts), so a site that never parses one pays nothing for them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parsers = ['htmlparser2', 'saxes'];

function srcFiles(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Which parsers are in the CommonJS module cache after running `body` in a fresh process. */
function loadedAfter(body: string): string[] {
  const code = `import { createRequire } from 'node:module';
    const m = await import(${JSON.stringify(join(root, 'src', 'index.ts'))});
    const p = await import(${JSON.stringify(join(root, 'src', 'protocol.ts'))});
    ${body}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(${JSON.stringify(parsers)}.filter((p) => cache.some((f) => f.includes('/node_modules/' + p + '/')))));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim()) as string[];
}

describe('document parsers load on first use', () => {
  test('no module but src/discovery/parsers.ts imports htmlparser2 or saxes other than as types', () => {
    const eager: string[] = [];
    for (const f of srcFiles()) {
      const rel = relative(root, f);
      if (rel === join('src', 'discovery', 'parsers.ts')) continue;
      // The Web entries' parser module (export conditions workerd / edge-light / worker / browser only):
      // those runtimes have no synchronous require. The Node entries never import it (next test).
      if (rel === join('src', 'discovery', 'parsers-bundled.ts')) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(
        /^import\s+(type\s+)?[^;]*?from\s+'(htmlparser2|saxes)'/gm,
      )) {
        if (!m[1]) eager.push(`${rel}: ${m[2]}`);
      }
    }
    assert.deepEqual(eager, []);
  });

  test('only the Web entries import the bundled parsers', () => {
    const importers = srcFiles()
      .filter((f) =>
        /from '\.{1,2}\/(discovery\/)?parsers-bundled\.js'|import '\.{1,2}\/(discovery\/)?parsers-bundled\.js'/.test(
          readFileSync(f, 'utf8'),
        ),
      )
      .map((f) => relative(root, f))
      .sort();
    assert.deepEqual(importers, [join('src', 'adapters', 'web-entry.ts'), join('src', 'index-web.ts')]);
  });

  test('importing openid2 loads neither parser', () => {
    assert.deepEqual(loadedAfter(''), []);
  });

  test('the first HTML parse loads htmlparser2 and the first XRDS parse loads saxes', () => {
    assert.deepEqual(
      loadedAfter(
        `p.parseHtmlLinks('<html><head><link rel="openid2.provider" href="/op"></head></html>', 'https://id.example/');`,
      ),
      ['htmlparser2'],
    );
    assert.deepEqual(
      loadedAfter(
        `const d = p.parseXrds('<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD></XRD></xrds:XRDS>'); if (d.xrds.length !== 1) throw new Error('parse');`,
      ),
      ['saxes'],
    );
  });
});
