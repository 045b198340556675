/**
 * The two document parsers, loaded on first use. Importing `openid2` should
 * cost a site that never parses a document (a Steam login, a provider)
 * nothing for htmlparser2 and saxes.
 *
 * Two ways in, so `parseHtmlLinks` and `parseXrds` stay synchronous:
 * - every discovery path (`yadisDiscover`, XRI) first awaits
 *   {@link loadDocumentParsers}, a plain dynamic `import()` that every runtime
 *   and bundler follows (workerd and Deno bundles included);
 * - a direct synchronous parse before any discovery, on Node, requires the
 *   parser through `process.getBuiltinModule('node:module')`. No top-level
 *   import of a Node built-in, so the Web path loads this module anywhere.
 */
import type * as Htmlparser2 from 'htmlparser2';
import type * as Saxes from 'saxes';

let htmlparser2Module: typeof Htmlparser2 | undefined;
let saxesModule: typeof Saxes | undefined;

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

/** A parser required synchronously, where the runtime offers Node's `require`. */
function requireNow<T>(name: string): T {
  const nodeModule = globalThis.process?.getBuiltinModule?.('node:module');
  if (nodeModule === undefined)
    throw new Error(`${name} is not loaded yet: await loadDocumentParsers() before parsing in this runtime`);
  return nodeModule.createRequire(import.meta.url)(name) as T;
}

/** htmlparser2, loaded on the first call. */
export function htmlparser2(): typeof Htmlparser2 {
  htmlparser2Module ??= requireNow<typeof Htmlparser2>('htmlparser2');
  return htmlparser2Module;
}

/** saxes, loaded on the first call. */
export function saxes(): typeof Saxes {
  saxesModule ??= requireNow<typeof Saxes>('saxes');
  return saxesModule;
}
