/**
 * node-openid (the `openid` npm package, a devDependency) driven through its
 * public API, promisified, for side-by-side rows. Only its exported
 * functions are used; nothing of its code is copied here.
 *
 * How it keeps state (read from its source): associations, discovered
 * information and used nonces live in maps private to its module. Nonces
 * cannot be seeded except by verifying assertions, and every verification
 * walks all stored nonces to drop old ones. So each row loads a fresh copy of
 * the module (empty maps) and seeds nonces by verifying real assertions.
 */
import { createRequire } from 'node:module';

/** What node-openid calls a provider (discovered information). */
export interface NodeOpenIdProvider {
  endpoint: string;
  version: string;
  claimedIdentifier?: string;
  localIdentifier?: string;
}

interface AssociationRecord {
  provider: NodeOpenIdProvider;
  type: 'sha1' | 'sha256';
  secret: string;
}

type Callback<T> = (error: unknown, value?: T) => void;

/** The part of node-openid's module API used here. */
interface NodeOpenIdModule {
  saveAssociation(
    provider: NodeOpenIdProvider,
    type: string,
    handle: string,
    secret: string,
    expirySeconds: number,
    callback: (error: unknown) => void,
  ): void;
  loadAssociation(handle: string, callback: Callback<AssociationRecord | null>): void;
  saveDiscoveredInformation(
    key: string,
    provider: NodeOpenIdProvider,
    callback: (error: unknown) => void,
  ): void;
  verifyAssertion(
    url: string,
    originalReturnUrl: string,
    callback: Callback<{ authenticated: boolean }>,
    stateless: boolean,
    extensions: Record<string, unknown>,
    strict: boolean,
  ): void;
  authenticate(
    identifier: string,
    returnUrl: string,
    realm: string,
    immediate: boolean,
    stateless: boolean,
    callback: Callback<string>,
    extensions: Record<string, unknown>,
    strict: boolean,
  ): void;
}

/** The OpenID 2.0 signon type node-openid puts in `provider.version`. */
export const NODE_OPENID_V2 = 'http://specs.openid.net/auth/2.0/signon';

/** One fresh node-openid instance (its own empty association, discovery and nonce maps). */
export class NodeOpenId {
  readonly #m: NodeOpenIdModule;

  constructor() {
    const require = createRequire(import.meta.url);
    delete require.cache[require.resolve('openid')];
    this.#m = require('openid') as NodeOpenIdModule;
    // Its default saveAssociation arms a setTimeout for the association's whole lifetime, which
    // would keep this process alive; this replacement keeps the same in-memory lookup by handle
    // without the timer, through the override point node-openid documents for custom storage.
    const held = new Map<string, AssociationRecord>();
    this.#m.saveAssociation = (provider, type, handle, secret, _expiry, callback) => {
      held.set(handle, { provider, type: type === 'sha1' ? 'sha1' : 'sha256', secret });
      callback(null);
    };
    this.#m.loadAssociation = (handle, callback) => callback(null, held.get(handle) ?? null);
  }

  /** Hold an association as if node-openid had negotiated it. */
  holdAssociation(provider: NodeOpenIdProvider, handle: string, secret: Uint8Array, type: 'sha1' | 'sha256') {
    this.#m.saveAssociation(provider, type, handle, Buffer.from(secret).toString('base64'), 3600, () => {});
  }

  /** Seed its discovery cache for a claimed identifier. */
  holdDiscovery(claimedId: string, provider: NodeOpenIdProvider): void {
    this.#m.saveDiscoveredInformation(claimedId, provider, () => {});
  }

  /** verifyAssertion with its association (not stateless); resolves whether it authenticated. */
  verify(url: string, returnTo: string): Promise<boolean> {
    return new Promise((resolve) =>
      this.#m.verifyAssertion(
        url,
        returnTo,
        (e, r) => resolve(!e && r?.authenticated === true),
        false,
        {},
        false,
      ),
    );
  }

  /** authenticate(): discovery, then (unless stateless) a new association; resolves the redirect URL. */
  authenticate(identifier: string, returnTo: string, realm: string, stateless: boolean): Promise<string> {
    return new Promise((resolve, reject) =>
      this.#m.authenticate(
        identifier,
        returnTo,
        realm,
        false,
        stateless,
        (e, url) => (e || !url ? reject(new Error(`node-openid: ${JSON.stringify(e)}`)) : resolve(url)),
        {},
        false,
      ),
    );
  }
}
