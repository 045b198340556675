/**
 * Our side of the "RelyingParty → peer provider" interop tests: the relying
 * party each of them logs in with, and one login (begin, the browser's trip
 * through the provider, complete).
 */
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';

/** How the relying party verifies: an association of one DH pair, or stateless (no store). */
export type DhMode = 'DH-SHA256' | 'DH-SHA1' | 'stateless';

export const PAIRS = {
  'DH-SHA256': { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' },
  'DH-SHA1': { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' },
} as const;

/** A relying party on loopback for `mode`; `default` associates with the negotiator's own order. */
export function interopRp(mode: DhMode | 'default'): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return?sid=1',
    secret: 'k'.repeat(40),
    store: mode === 'stateless' ? null : new MemoryStore(),
    ...(mode === 'stateless' || mode === 'default'
      ? {}
      : { negotiator: new SessionNegotiator([PAIRS[mode]]) }),
    fetch: { allowPrivateNetworks: true },
  });
}

/** The browser: follows the provider's redirects (and auto-submitting forms) to where it sends the user back. */
export type Browser = (url: string) => Promise<{ url: string; body?: string }>;

export type BeginOptions = NonNullable<Parameters<RelyingParty['begin']>[1]>;

export interface Login {
  result: CompleteResult;
  state: string;
  url: string;
  body?: string;
}

/** One login: begin, the trip through the provider by `browser`, complete with what came back. */
export async function loginVia(
  browser: Browser,
  rp: RelyingParty,
  identifier: string,
  options: BeginOptions = {},
): Promise<Login> {
  const auth = await rp.begin(identifier, options);
  const back = await browser(auth.redirectUrl);
  const result = await rp.complete(back.url, {
    state: auth.state,
    ...(back.body ? { body: back.body } : {}),
  });
  return { result, state: auth.state, ...back };
}
