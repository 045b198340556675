/**
 * `openid2/web` on Web-only runtimes (chosen by the `workerd`, `edge-light`
 * and `deno` export conditions): the Web handlers, with the
 * document parsers imported statically (no synchronous `require` there).
 */
import '../discovery/parsers-bundled.js';

export * from './web.js';
