/**
 * The store and secret defaults of the convenience front doors (the Passport
 * strategies, the Steam preset). A `MemoryStore` and a random secret work in
 * one process only: with several processes replay protection and login
 * state would silently become per process. So, when either is missing:
 *
 * - with `NODE_ENV=production` construction fails, naming both options;
 * - elsewhere one warning per process (`process.emitWarning`, code
 *   {@link PER_PROCESS_STATE_WARNING}), and the per-process defaults are used.
 *
 * @example
 * const { store, secret } = sharedStateOrDefaults('steamLogin()', options);
 */
import { OpenIDError } from '../protocol/errors.js';
import { MemoryStore } from '../stores/memory.js';
import type { OpenIDStore } from '../stores/store.js';

/** `code` of the development-mode warning. */
export const PER_PROCESS_STATE_WARNING = 'OPENID2_PER_PROCESS_STATE';

let warned = false;

/**
 * `store` and `secret` as given, or per-process defaults (see the module
 * comment). Throws `OpenIDError('invalid_option')` in production when either is missing.
 */
export function sharedStateOrDefaults(
  where: string,
  options: { store?: OpenIDStore | undefined; secret?: Uint8Array | string | undefined },
): { store: OpenIDStore; secret: Uint8Array | string } {
  if (options.store !== undefined && options.secret !== undefined)
    return { store: options.store, secret: options.secret };
  const missing = [
    options.store === undefined ? 'store' : null,
    options.secret === undefined ? 'secret' : null,
  ]
    .filter((m) => m !== null)
    .join(' and ');
  const text =
    `${where} has no ${missing}: pass both \`store\` (a shared store such as PostgreSQL or Redis) ` +
    'and `secret` (the same ≥ 32-byte key in every process); the defaults (a MemoryStore, a random secret) ' +
    'keep replay protection and login state per process';
  // `process` is a global on Node, Bun, Deno and Workers with nodejs_compat only.
  const proc = (globalThis as { process?: Partial<Pick<NodeJS.Process, 'env' | 'emitWarning'>> }).process;
  if (proc?.env?.['NODE_ENV'] === 'production') throw new OpenIDError('invalid_option', text);
  if (!warned) {
    warned = true;
    if (proc?.emitWarning)
      proc.emitWarning(text, { type: 'OpenID2Warning', code: PER_PROCESS_STATE_WARNING });
    else console.warn(`OpenID2Warning [${PER_PROCESS_STATE_WARNING}]: ${text}`);
  }
  return {
    store: options.store ?? new MemoryStore(),
    secret: options.secret ?? crypto.getRandomValues(new Uint8Array(32)),
  };
}
