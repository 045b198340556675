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
