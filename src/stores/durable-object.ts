/**
 * A store for Cloudflare Workers on a Durable Object. Workers KV cannot
 * hold nonces (eventually consistent, no conditional write: two isolates
 * can both see "absent"); a Durable Object can: one instance, wherever it
 * runs, executes its storage transactions one at a time, so `useNonce` is
 * "insert if absent" in one transaction for every Worker isolate on every
 * machine.
 *
 * Two parts:
 * - {@link OpenIDStoreObject}: the Durable Object class. Export it from your
 *   Worker and bind it (wrangler: `durable_objects.bindings` +
 *   `migrations`).
 * - {@link DurableObjectStore}: the `OpenIDStore` the relying party or
 *   provider uses, talking to one instance (by `name`) over its `fetch`.
 *
 * No `cloudflare:workers` import and no Workers types: the shapes used are
 * declared structurally here, so the module type-checks and loads anywhere.
 *
 * @example
 * // worker.ts
 * export { OpenIDStoreObject } from 'openid2/durable-object';
 * const store = new DurableObjectStore(env.OPENID2_STORE);
 */
import { Association } from '../protocol/association.js';
import { StoreError } from '../protocol/errors.js';
import {
  checkNonceInput,
  checkServerUrl,
  clock,
  inNonceWindow,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
  timeoutOf,
  withDeadline,
} from './common.js';
import type { OpenIDStore } from './store.js';

/** The storage transaction API of a Durable Object (the methods used). */
export interface DurableObjectTxnLike {
  /** Read a key (undefined when absent). */
  get(key: string): Promise<unknown>;
  /** Write a key. */
  put(key: string, value: unknown): Promise<void>;
  /** Delete a key; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** The entries under a key prefix. */
  list(options: { prefix: string }): Promise<Map<string, unknown>>;
}

/** `DurableObjectState` as far as this store uses it. */
export interface DurableObjectStateLike {
  /** The object's transactional storage. */
  storage: DurableObjectTxnLike & {
    /** Run `run` as one transaction: all its writes or none, no other request in between. */
    transaction<T>(run: (txn: DurableObjectTxnLike) => Promise<T>): Promise<T>;
  };
}

/** A Durable Object namespace binding (the methods used). */
export interface DurableObjectNamespaceLike {
  /** The id of the instance called `name`. */
  idFromName(name: string): unknown;
  /** A stub of the instance with that id. */
  get(id: never): {
    /** Send the instance a request. */
    fetch(input: string, init?: RequestInit): Promise<Response>;
  };
}

type Op =
  | { op: 'storeAssociation'; serverUrl: string; association: string; expires: number }
  | { op: 'getAssociation'; serverUrl: string; handle?: string; now: number }
  | { op: 'removeAssociation'; serverUrl: string; handle: string }
  | { op: 'useNonce'; key: string; expires: number }
  | { op: 'cleanupNonces'; now: number }
  | { op: 'cleanupAssociations'; now: number };

const ASSOC = 'a\0';
const NONCE = 'n\0';
const assocPrefix = (serverUrl: string) => `${ASSOC}${serverUrl.length}:${serverUrl}\0`;

/** Deletes the entries under `prefix` whose stored `expires` is at or before `now`. */
async function prune(txn: DurableObjectTxnLike, prefix: string, now: number): Promise<number> {
  let n = 0;
  for (const [key, value] of await txn.list({ prefix })) {
    if ((value as { expires: number }).expires <= now) {
      await txn.delete(key);
      n++;
    }
  }
  return n;
}

/**
 * The Durable Object behind {@link DurableObjectStore}. Every operation runs
 * in one storage transaction; expiry is data (`expires` in Unix seconds),
 * pruned by the cleanup calls.
 */
export class OpenIDStoreObject {
  readonly #state: DurableObjectStateLike;

  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state;
  }

  /** Runs one store operation sent by {@link DurableObjectStore} (a JSON body) in one transaction. */
  async fetch(request: Request): Promise<Response> {
    const op = (await request.json()) as Op;
    const result = await this.#state.storage.transaction(async (txn): Promise<unknown> => {
      switch (op.op) {
        case 'storeAssociation': {
          const handle = Association.deserialize(op.association).handle;
          await txn.put(`${assocPrefix(op.serverUrl)}${handle}`, {
            text: op.association,
            expires: op.expires,
          });
          return true;
        }
        case 'getAssociation': {
          if (op.handle !== undefined) {
            const v = (await txn.get(`${assocPrefix(op.serverUrl)}${op.handle}`)) as
              | { text: string; expires: number }
              | undefined;
            return v && v.expires > op.now ? v.text : null;
          }
          let best: Association | null = null;
          for (const value of (await txn.list({ prefix: assocPrefix(op.serverUrl) })).values()) {
            const v = value as { text: string; expires: number };
            if (v.expires <= op.now) continue;
            const a = Association.deserialize(v.text);
            if (!best || a.issued >= best.issued) best = a;
          }
          return best?.serialize() ?? null;
        }
        case 'removeAssociation':
          return txn.delete(`${assocPrefix(op.serverUrl)}${op.handle}`);
        case 'useNonce': {
          // Insert if absent, inside one transaction of the single instance: the verdict.
          if ((await txn.get(op.key)) !== undefined) return false;
          await txn.put(op.key, { expires: op.expires });
          return true;
        }
        case 'cleanupNonces':
          return prune(txn, NONCE, op.now);
        case 'cleanupAssociations':
          return prune(txn, ASSOC, op.now);
      }
    });
    return Response.json({ result });
  }
}

/** Options of {@link DurableObjectStore}. */
export interface DurableObjectStoreOptions extends Pick<StoreBaseOptions, 'now' | 'timeoutMs'> {
  /** Name of the Durable Object instance holding this store. Default `openid2`. */
  name?: string;
  /** Nonce window in seconds; default 5 hours. */
  nonceSkewSeconds?: number;
}

/** `OpenIDStore` over an {@link OpenIDStoreObject} binding. */
export class DurableObjectStore implements OpenIDStore {
  readonly #stub: { fetch(input: string, init?: RequestInit): Promise<Response> };
  readonly #now: () => number;
  readonly #skew: number;
  readonly #timeoutMs: number;

  constructor(namespace: DurableObjectNamespaceLike, options: DurableObjectStoreOptions = {}) {
    this.#stub = namespace.get(namespace.idFromName(options.name ?? 'openid2') as never);
    this.#now = clock(options);
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    this.#timeoutMs = timeoutOf(options);
  }

  #call<T>(op: Op): Promise<T> {
    return withDeadline(this.#send<T>(op), this.#timeoutMs, op.op, 'the Durable Object store');
  }

  async #send<T>(op: Op): Promise<T> {
    let res: Response;
    try {
      res = await this.#stub.fetch('https://openid2-store/', { method: 'POST', body: JSON.stringify(op) });
    } catch (cause) {
      throw new StoreError('store_unavailable', 'the Durable Object store did not answer', { cause });
    }
    if (!res.ok) throw new StoreError('store_unavailable', `the Durable Object store answered ${res.status}`);
    return ((await res.json()) as { result: T }).result;
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    await this.#call({
      op: 'storeAssociation',
      serverUrl,
      association: a.serialize(),
      expires: a.issued + a.lifetime,
    });
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    const text = await this.#call<string | null>({
      op: 'getAssociation',
      serverUrl,
      now: this.#now(),
      ...(handle === undefined ? {} : { handle }),
    });
    return text === null ? null : Association.deserialize(text);
  }

  removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    return this.#call({ op: 'removeAssociation', serverUrl, handle });
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    if (!inNonceWindow(timestamp, this.#now(), this.#skew)) return false;
    const key = `${NONCE}${serverUrl.length}:${serverUrl}\0${timestamp}\0${salt}`;
    return this.#call({ op: 'useNonce', key, expires: timestamp + this.#skew });
  }

  cleanupNonces(): Promise<number> {
    return this.#call({ op: 'cleanupNonces', now: this.#now() });
  }

  cleanupAssociations(): Promise<number> {
    return this.#call({ op: 'cleanupAssociations', now: this.#now() });
  }
}
