/**
 * The two document parsers, loaded on first use. Importing `openid2` should
 * cost a site that never parses a document (a Steam login, a provider)
 * nothing for htmlparser2 and saxes, so they are required synchronously the
 * first time an HTML page or an XRDS document is parsed, keeping
 * `parseHtmlLinks` and `parseXrds` synchronous.
 */
import { createRequire } from 'node:module';
import type * as Htmlparser2 from 'htmlparser2';
import type * as Saxes from 'saxes';

const load = createRequire(import.meta.url);

let htmlparser2Module: typeof Htmlparser2 | undefined;
let saxesModule: typeof Saxes | undefined;

/** htmlparser2, loaded on the first call. */
export function htmlparser2(): typeof Htmlparser2 {
  htmlparser2Module ??= load('htmlparser2') as typeof Htmlparser2;
  return htmlparser2Module;
}

/** saxes, loaded on the first call. */
export function saxes(): typeof Saxes {
  saxesModule ??= load('saxes') as typeof Saxes;
  return saxesModule;
}
