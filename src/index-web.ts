/**
 * `openid2` on Web-only runtimes (Cloudflare Workers, Vercel Edge) and Deno,
 * chosen by the package's export conditions (`workerd`, `edge-light`, `deno`): the same API as index.ts, with the document parsers imported
 * statically because these runtimes have no synchronous `require` (Deno's
 * needs read access to node_modules).
 */
import './discovery/parsers-bundled.js';

export * from './index.js';
