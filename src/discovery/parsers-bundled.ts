/**
 * The document parsers imported statically, for Web-only runtimes (no
 * synchronous `require` there): importing this module makes HTML and XRDS
 * discovery work. The Web entry points (index-web.ts, adapters/web-entry.ts)
 * import it; the export conditions `workerd`, `edge-light` and `deno`
 * select them.
 *
 * Internal module.
 */
import * as htmlparser2 from 'htmlparser2';
import * as saxes from 'saxes';
import { provideParsers } from './parsers.js';

provideParsers({ htmlparser2, saxes });
