/**
 * The fetcher openid2 uses when the app gives none: the Node fetcher (SSRF
 * guard with DNS pinning) where the runtime's `node:http` can pin, else the
 * Web fetcher over the platform `fetch` (see web-fetcher.ts for what its
 * guard cannot do).
 */
import { canPinDns } from '../platform/runtime.js';
import { createFetcher, type Fetcher, type FetchOptions } from './fetcher.js';
import { createWebFetcher } from './web-fetcher.js';

/**
 * `createFetcher(options)` on Node, Bun and Deno; `createWebFetcher(options)`
 * on Cloudflare Workers, Vercel Edge and other Web-only runtimes.
 *
 * @example
 * const fetcher = createDefaultFetcher({ timeoutMs: 5000 });
 */
export function createDefaultFetcher(options: FetchOptions = {}): Fetcher {
  if (canPinDns()) return createFetcher(options);
  const { lookup: _dnsIsNotUsed, ...web } = options;
  return createWebFetcher(web);
}
