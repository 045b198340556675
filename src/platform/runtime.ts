/**
 * Which JavaScript runtime the library is running in, for the few choices
 * that depend on it (the fetcher, Diffie-Hellman). Read from globals only:
 * no Node built-in is imported to find out.
 *
 * Internal module.
 */

/** The runtimes openid2 tells apart. */
export type RuntimeName = 'node' | 'bun' | 'deno' | 'workerd' | 'edge-light' | 'web';

interface RuntimeGlobals {
  navigator?: { userAgent?: unknown };
  EdgeRuntime?: unknown;
  Bun?: unknown;
  Deno?: unknown;
  process?: { versions?: { node?: unknown } };
}

/** The runtime this code runs in. Workers report themselves first: with `nodejs_compat` they also look like Node. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as RuntimeGlobals;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.EdgeRuntime === 'string') return 'edge-light';
  if (g.Bun !== undefined) return 'bun';
  if (g.Deno !== undefined) return 'deno';
  if (typeof g.process?.versions?.node === 'string') return 'node';
  return 'web';
}

/**
 * Whether `node:http` can connect to an address the SSRF guard vetted (its
 * `lookup` option): true on Node, and on Bun and Deno through their Node
 * layers; false on Workers, Edge and plain Web runtimes.
 */
export function canPinDns(runtime: RuntimeName = detectRuntime()): boolean {
  return runtime === 'node' || runtime === 'bun' || runtime === 'deno';
}
