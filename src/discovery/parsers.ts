/**
 * The two document parsers, loaded on first use. Importing `openid2` should
 * cost a site that never parses a document (a Steam login, a provider)
 * nothing for htmlparser2 and saxes, so they are required synchronously the
 * first time an HTML page or an XRDS document is parsed, keeping
 * `parseHtmlLinks` and `parseXrds` synchronous.
 *
 * A Web-only runtime (Workers, Vercel Edge) has no synchronous `require`:
 * there the Web entry points (parsers-bundled.ts, picked by the `workerd`,
 * `edge-light` and `deno` export conditions) import both
 * statically and hand them over with {@link provideParsers}.
 */
import type * as NodeModule from 'node:module';
import type * as Htmlparser2 from 'htmlparser2';
import type * as Saxes from 'saxes';

let htmlparser2Module: typeof Htmlparser2 | undefined;
let saxesModule: typeof Saxes | undefined;
let load: ((id: string) => unknown) | undefined;

function requireParser(id: string): unknown {
  if (load === undefined) {
    const mod = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.('node:module') as typeof NodeModule | undefined;
    if (mod === undefined) {
      throw new Error(
        `${id} was not loaded: on a Web-only runtime import openid2 through its package exports (the workerd / edge-light / deno conditions load the parsers)`,
      );
    }
    load = mod.createRequire(import.meta.url);
  }
  return load(id);
}

/** Hands over parsers imported statically (the Web entry points do this). */
export function provideParsers(modules: { htmlparser2: typeof Htmlparser2; saxes: typeof Saxes }): void {
  htmlparser2Module ??= modules.htmlparser2;
  saxesModule ??= modules.saxes;
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
