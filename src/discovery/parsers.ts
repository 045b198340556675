/**
 * The two document parsers, loaded on first use. Importing `openid2` should
 * cost a site that never parses a document (a Steam login, a provider)
 * nothing for htmlparser2 and saxes, while `parseHtmlLinks` and `parseXrds`
 * stay synchronous. Three ways in:
 * - every discovery path (`yadisDiscover`, XRI) first awaits
 *   {@link loadDocumentParsers}, a plain dynamic `import()` that every runtime
 *   and bundler follows;
 * - the Web entry points (parsers-bundled.ts, picked by the `workerd`,
 *   `edge-light` and `deno` export conditions) import both statically and
 *   hand them over with {@link provideParsers};
 * - a direct synchronous parse before either, on Node, requires the parser
 *   through `process.getBuiltinModule('node:module')`.
 * No top-level import of a Node built-in, so this module loads anywhere.
 */
import type * as NodeModule from 'node:module';
import type * as Htmlparser2 from 'htmlparser2';
import type * as Saxes from 'saxes';

let htmlparser2Module: typeof Htmlparser2 | undefined;
let saxesModule: typeof Saxes | undefined;
let load: ((id: string) => unknown) | undefined;

/** Loads both parsers ahead of a parse; cheap once they are loaded. */
export async function loadDocumentParsers(): Promise<void> {
  if (htmlparser2Module !== undefined && saxesModule !== undefined) return;
  const [h, s] = await Promise.all([import('htmlparser2'), import('saxes')]);
  htmlparser2Module ??= namespaceOf(h, 'Parser');
  saxesModule ??= namespaceOf(s, 'SaxesParser');
}

/**
 * The module's exports: saxes is CommonJS, and some runtimes (Deno) and
 * bundles hand a CommonJS module over as `default` only.
 */
function namespaceOf<T extends object>(imported: T, member: string): T {
  if (member in imported) return imported;
  const fallback = (imported as { default?: unknown }).default;
  return typeof fallback === 'object' && fallback !== null && member in fallback ? (fallback as T) : imported;
}

/** Hands over parsers imported statically (the Web entry points do this). */
export function provideParsers(modules: { htmlparser2: typeof Htmlparser2; saxes: typeof Saxes }): void {
  htmlparser2Module ??= modules.htmlparser2;
  saxesModule ??= modules.saxes;
}

function requireParser(id: string): unknown {
  if (load === undefined) {
    const mod = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.('node:module') as typeof NodeModule | undefined;
    if (mod === undefined) {
      throw new Error(
        `${id} is not loaded yet: await loadDocumentParsers() first, or import openid2 through its package exports (the workerd / edge-light / deno conditions load the parsers)`,
      );
    }
    load = mod.createRequire(import.meta.url);
  }
  return load(id);
}

/** htmlparser2, loaded on the first call. */
export function htmlparser2(): typeof Htmlparser2 {
  htmlparser2Module ??= requireParser('htmlparser2') as typeof Htmlparser2;
  return htmlparser2Module;
}

/** saxes, loaded on the first call. */
export function saxes(): typeof Saxes {
  saxesModule ??= requireParser('saxes') as typeof Saxes;
  return saxesModule;
}
