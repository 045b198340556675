/**
 * node-openid (the `openid` npm package, a devDependency) as a relying party,
 * driven through its public API (RelyingParty, SimpleRegistration,
 * AttributeExchange, and the storage hooks it documents), promisified with
 * deadlines. Nothing of its code is copied here.
 *
 * node-openid keeps associations, discovered information and used nonces in
 * maps private to its module, so each {@link NodeOpenIdRp} loads a fresh copy
 * of the module (as bench/node-openid.ts does): a fresh copy is a second
 * process of the same site.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/** What node-openid calls a provider (its discovered information). */
export interface NodeOpenIdProvider {
  endpoint: string;
  version: string;
  claimedIdentifier?: string;
  localIdentifier?: string;
}

/** An association as node-openid keeps it: the MAC key base64-encoded. */
export interface NodeOpenIdAssociation {
  provider: NodeOpenIdProvider;
  type: string;
  secret: string;
}

/** node-openid's verifyAssertion result: `authenticated` plus extension values. */
export type NodeOpenIdResult = { authenticated: boolean; claimedIdentifier?: string } & Record<
  string,
  unknown
>;

/** Both arguments of node-openid's verifyAssertion callback. */
export interface NodeOpenIdOutcome {
  error: { message?: string } | string | null;
  result: NodeOpenIdResult | undefined;
}

type Callback<T> = (error: unknown, value?: T) => void;
interface Extension {
  requestParams: Record<string, string>;
}

/** The part of node-openid's module API used here. */
interface NodeOpenIdModule {
  RelyingParty: new (
    returnUrl: string,
    realm: string | null,
    stateless: boolean,
    strict: boolean,
    extensions: Extension[],
  ) => {
    authenticate(identifier: string, immediate: boolean, callback: Callback<string>): void;
    verifyAssertion(requestOrUrl: string | IncomingMessage, callback: Callback<NodeOpenIdResult>): void;
  };
  SimpleRegistration: new (options: Record<string, string | boolean>) => Extension;
  AttributeExchange: new (options: Record<string, 'required' | 'optional'>) => Extension;
  associate(
    provider: NodeOpenIdProvider,
    callback: Callback<unknown>,
    strict?: boolean,
    algorithm?: string,
  ): void;
  saveAssociation(
    provider: NodeOpenIdProvider,
    type: string,
    handle: string,
    secret: string,
    expirySeconds: number,
    callback: (error: unknown) => void,
  ): void;
  loadAssociation(handle: string, callback: Callback<NodeOpenIdAssociation | null>): void;
}

export interface NodeOpenIdRpOptions {
  returnUrl: string;
  realm: string;
  stateless?: boolean;
  strict?: boolean;
  /** Extension objects made with {@link NodeOpenIdRp.sreg} / {@link NodeOpenIdRp.ax}. */
  extensions?: Extension[];
  /**
   * The session type node-openid's exported `associate` is called with. node-openid's `authenticate` always
   * asks for HMAC-SHA256 over DH-SHA256 and takes DH-SHA1 only as a fallback; `'DH-SHA1'` routes its call
   * through the exported function (the module's own override point) with that algorithm.
   */
  algorithm?: 'DH-SHA1' | 'DH-SHA256';
}

/** Every wait on node-openid ends by this deadline. */
const DEADLINE_MS = 15_000;

function withDeadline<T>(what: string, run: (settle: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node-openid: ${what} did not call back`)), DEADLINE_MS);
    run((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** One fresh copy of node-openid (empty association, discovery and nonce maps), as one RP process. */
export class NodeOpenIdRp {
  readonly #m: NodeOpenIdModule;
  /** The associations this copy made, by handle (its storage hook writes here). */
  readonly associations = new Map<string, NodeOpenIdAssociation>();

  constructor() {
    const require = createRequire(import.meta.url);
    delete require.cache[require.resolve('openid')];
    this.#m = require('openid') as NodeOpenIdModule;
    // node-openid's default saveAssociation arms a timer for the association's lifetime (14 days here), which
    // would keep the test process alive; its documented storage hooks keep the same lookup by handle instead.
    this.#m.saveAssociation = (provider, type, handle, secret, _expiry, callback) => {
      this.associations.set(handle, { provider, type, secret });
      callback(null);
    };
    this.#m.loadAssociation = (handle, callback) => callback(null, this.associations.get(handle) ?? null);
  }

  /** Share another copy's associations, as a site with several processes and one association store does. */
  shareAssociationsOf(other: NodeOpenIdRp): void {
    for (const [handle, a] of other.associations) this.associations.set(handle, a);
  }

  sreg(options: Record<string, string | boolean>): Extension {
    return new this.#m.SimpleRegistration(options);
  }

  ax(options: Record<string, 'required' | 'optional'>): Extension {
    return new this.#m.AttributeExchange(options);
  }

  relyingParty(options: NodeOpenIdRpOptions) {
    if (options.algorithm) {
      const original = this.#m.associate;
      const algorithm = options.algorithm;
      this.#m.associate = (provider, callback, strict) => original(provider, callback, strict, algorithm);
    }
    const rp = new this.#m.RelyingParty(
      options.returnUrl,
      options.realm,
      options.stateless ?? false,
      options.strict ?? false,
      options.extensions ?? [],
    );
    return {
      /** authenticate(): the redirect URL, or the error node-openid reported first. */
      authenticate: (identifier: string, immediate = false) =>
        withDeadline<{ url?: string; error?: unknown }>('authenticate', (settle) =>
          rp.authenticate(identifier, immediate, (error, url) => settle(error || !url ? { error } : { url })),
        ),
      /** verifyAssertion() on the URL the user came back to, or on the request itself (a form POST). */
      verify: (requestOrUrl: string | IncomingMessage) =>
        withDeadline<NodeOpenIdOutcome>('verifyAssertion', (settle) =>
          rp.verifyAssertion(requestOrUrl, (error, result) =>
            settle({ error: (error as NodeOpenIdOutcome['error']) ?? null, result }),
          ),
        ),
    };
  }
}

/** The message of node-openid's error (it reports objects with `message`, and a few bare strings). */
export function errorText(error: unknown): string {
  if (error === null || error === undefined) return '';
  if (typeof error === 'string') return error;
  return String((error as { message?: unknown }).message ?? JSON.stringify(error));
}
