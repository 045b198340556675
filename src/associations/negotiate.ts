/**
 * Association negotiation in one place, for the relying party's inline mode
 * and the background worker alike: `negotiateAssociation()` runs the
 * exchange of `associate()` and remembers what it learnt about the endpoint
 * in an {@link EndpointMemory} — the pairs the provider refused
 * (`unsupported-type`) and whether it was unreachable — so that no later
 * login, in this process or another sharing the store, repeats an exchange
 * that is known to fail.
 */

import type { Fetcher } from '../discovery/fetcher.js';
import type { AssociationType, OpenIDVersion, SessionType } from '../protocol/constants.js';
import type { OpenIDStore } from '../stores/store.js';
import {
  type AssociateResult,
  type AssociationPair,
  associate,
  type SessionNegotiator,
  samePair,
} from './negotiation.js';

/** How long a provider's `unsupported-type` answer to a pair is remembered. Default 24 h. */
export const DEFAULT_REFUSED_TTL_SECONDS = 24 * 3600;
/** How long an endpoint found unreachable is skipped. Default 2 min. */
export const DEFAULT_UNREACHABLE_TTL_SECONDS = 120;

const KIND_REFUSED = 'assoc-refused';
const KIND_UNREACHABLE = 'unreachable';

/** Options of {@link EndpointMemory}. */
export interface EndpointMemoryOptions {
  /** Where the notes are shared; a store without `putEndpointNote` (or none) keeps them in this process. */
  store: OpenIDStore | null;
  /** Clock in Unix seconds. */
  now: () => number;
  /** Seconds a refused pair is remembered. Default {@link DEFAULT_REFUSED_TTL_SECONDS}. */
  refusedTtlSeconds?: number;
  /** Seconds an unreachable endpoint is skipped. Default {@link DEFAULT_UNREACHABLE_TTL_SECONDS}. */
  unreachableTtlSeconds?: number;
}

/**
 * The negative cache of endpoints: notes with an expiry, in the store when
 * it implements the optional `putEndpointNote` / `getEndpointNote`, else in
 * a bounded map of this process (then each process learns once by itself).
 * A store error never fails a login: the note is kept locally instead.
 */
export class EndpointMemory {
  readonly #o: EndpointMemoryOptions;
  readonly #local = new Map<string, { value: string; expiresAt: number }>();

  constructor(options: EndpointMemoryOptions) {
    this.#o = options;
  }

  /** Whether the notes are shared through the store (false: this process only). */
  get shared(): boolean {
    const s = this.#o.store;
    return s !== null && typeof s.putEndpointNote === 'function' && typeof s.getEndpointNote === 'function';
  }

  async #put(serverUrl: string, kind: string, value: string, ttl: number): Promise<void> {
    const expiresAt = this.#o.now() + ttl;
    const key = `${kind}\n${serverUrl}`;
    this.#local.delete(key);
    this.#local.set(key, { value, expiresAt });
    while (this.#local.size > 10_000) this.#local.delete(this.#local.keys().next().value as string);
    const store = this.#o.store;
    if (this.shared) await store?.putEndpointNote?.(serverUrl, kind, value, expiresAt).catch(() => {});
  }

  async #get(serverUrl: string, kind: string): Promise<string | null> {
    const store = this.#o.store;
    if (this.shared) {
      try {
        return (await store?.getEndpointNote?.(serverUrl, kind)) ?? null;
      } catch {
        // store down: fall through to what this process knows
      }
    }
    const key = `${kind}\n${serverUrl}`;
    const note = this.#local.get(key);
    if (!note) return null;
    if (note.expiresAt <= this.#o.now()) {
      this.#local.delete(key);
      return null;
    }
    return note.value;
  }

  /** The pairs `opEndpoint` refused recently. */
  async refusedPairs(opEndpoint: string): Promise<AssociationPair[]> {
    return parsePairs(await this.#get(opEndpoint, KIND_REFUSED));
  }

  /** Add `pairs` to those `opEndpoint` refused (the expiry restarts). */
  async rememberRefused(opEndpoint: string, pairs: readonly AssociationPair[]): Promise<void> {
    if (pairs.length === 0) return;
    const all = await this.refusedPairs(opEndpoint);
    for (const p of pairs) if (!all.some((a) => samePair(a, p))) all.push(p);
    await this.#put(
      opEndpoint,
      KIND_REFUSED,
      all.map((p) => `${p.assocType} ${p.sessionType}`).join(','),
      this.#o.refusedTtlSeconds ?? DEFAULT_REFUSED_TTL_SECONDS,
    );
  }

  /** Whether `opEndpoint` was found unreachable recently. */
  async isUnreachable(opEndpoint: string): Promise<boolean> {
    return (await this.#get(opEndpoint, KIND_UNREACHABLE)) !== null;
  }

  /** Remember that `opEndpoint` could not be reached. */
  async rememberUnreachable(opEndpoint: string): Promise<void> {
    await this.#put(
      opEndpoint,
      KIND_UNREACHABLE,
      '1',
      this.#o.unreachableTtlSeconds ?? DEFAULT_UNREACHABLE_TTL_SECONDS,
    );
  }
}

const ASSOC = new Set<string>(['HMAC-SHA1', 'HMAC-SHA256']);
const SESSION = new Set<string>(['no-encryption', 'DH-SHA1', 'DH-SHA256']);

/** The pairs of a note; anything unreadable is dropped (a note is only a hint). */
function parsePairs(text: string | null): AssociationPair[] {
  if (!text) return [];
  const out: AssociationPair[] = [];
  for (const item of text.split(',')) {
    const [a, s] = item.split(' ');
    if (a && s && ASSOC.has(a) && SESSION.has(s))
      out.push({ assocType: a as AssociationType, sessionType: s as SessionType });
  }
  return out;
}

/** What {@link negotiateAssociation} did. */
export interface NegotiationResult extends AssociateResult {
  /**
   * Set when nothing was sent because the memory already said how it would
   * end: `'unreachable'` (the endpoint was down moments ago) or `'refused'`
   * (the provider refused every pair this side allows).
   */
  remembered: 'unreachable' | 'refused' | null;
}

/** Options of {@link negotiateAssociation}. */
export interface NegotiateOptions {
  /** The fetcher for the associate requests (SSRF-guarded by default). */
  fetcher: Fetcher;
  /** The pairs this side allows, in order. */
  negotiator: SessionNegotiator;
  /** The negative cache to read and update. */
  memory: EndpointMemory;
  /** Clock in Unix seconds. */
  now: () => number;
}

/**
 * Negotiate an association with `opEndpoint`, skipping the pairs it refused
 * recently and not calling it at all when it was unreachable moments ago or
 * refused everything allowed; afterwards, remember what was refused and
 * whether it was reachable. Never throws for network or protocol trouble.
 * @see OpenID 2.0 §8.2.4 (unsupported-type), python-openid's `_negotiateAssociation`
 */
export async function negotiateAssociation(
  opEndpoint: string,
  version: OpenIDVersion,
  options: NegotiateOptions,
): Promise<NegotiationResult> {
  const { memory, negotiator } = options;
  if (await memory.isUnreachable(opEndpoint)) {
    return {
      association: null,
      attempts: [],
      refused: [],
      unreachable: true,
      remembered: 'unreachable',
      error: { code: 'endpoint_unreachable', message: 'the endpoint was unreachable moments ago' },
    };
  }
  const skipPairs = await memory.refusedPairs(opEndpoint);
  const allowed = negotiator.pairs.filter((p) => negotiator.allows(p, opEndpoint, version));
  if (allowed.length > 0 && allowed.every((p) => skipPairs.some((s) => samePair(s, p)))) {
    return {
      association: null,
      attempts: [],
      refused: [],
      unreachable: false,
      remembered: 'refused',
      error: { code: 'assoc_unsupported', message: 'the provider recently refused every allowed pair' },
    };
  }
  const r = await associate(opEndpoint, version, {
    fetcher: options.fetcher,
    negotiator,
    now: options.now,
    skipPairs,
  });
  await memory.rememberRefused(opEndpoint, r.refused);
  if (r.unreachable) await memory.rememberUnreachable(opEndpoint);
  return { ...r, remembered: null };
}
