/**
 * Node built-ins where the runtime has them, without a top-level import:
 * `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno, Workers with
 * `nodejs_compat`) hands them over synchronously, and a runtime without it
 * (Workers without `nodejs_compat`, Vercel Edge, browsers) gets null and
 * takes the Web-standard path. A bundler sees no `node:` import here.
 *
 * Internal module.
 */
import type * as NodeCrypto from 'node:crypto';

interface ProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

/** `node:crypto` when the runtime provides it, else null. */
export function nodeCrypto(): typeof NodeCrypto | null {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const mod = proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  return mod !== undefined && typeof mod.createDiffieHellman === 'function' ? mod : null;
}

/**
 * A Node built-in the caller cannot do without (the Node fetcher's
 * `node:http`, `node:dns/promises`, `node:zlib`), fetched when first used
 * rather than imported, so a module that holds such code still loads on a
 * Web-only runtime. Reaching it there is a bug in the runtime selection.
 *
 * @throws Error naming the module when the runtime has no Node layer.
 */
export function requireNodeBuiltin<T>(id: `node:${string}`): T {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const mod = proc?.getBuiltinModule?.(id);
  if (mod === undefined || mod === null) {
    throw new Error(`${id} is not available in this runtime; use the Web fetcher (createWebFetcher)`);
  }
  return mod as T;
}
