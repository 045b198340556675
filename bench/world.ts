/**
 * The in-process world the relying-party and provider benchmarks share: a
 * Provider at a fixed https endpoint, an identity page for alice, and a
 * Fetcher that answers the RP's discovery and associate requests from that
 * Provider without a socket, so the figures are the library's own cost.
 */
import type { Association, CheckIDRequest, Fetcher, FetchRequest, FetchResponse, OpenIDStore } from 'openid2';
import { identityPageXrds, MemoryStore, Provider, RelyingParty, type RelyingPartyOptions } from 'openid2';

export const OP_ENDPOINT = 'https://op.example/openid';
export const CLAIMED_ID = 'https://op.example/id/alice';
export const REALM = 'https://rp.example/';
export const RETURN_TO = 'https://rp.example/return?sid=abc';
export const RP_SECRET = 'bench-secret-bench-secret-bench-secret!!';

function response(url: string, status: number, contentType: string, text: string): FetchResponse {
  const body = new TextEncoder().encode(text);
  return { url, status, headers: new Headers({ 'content-type': contentType }), body, text: () => text };
}

/** A provider whose store keeps enough private associations for a pool of stateless assertions. */
export function makeProvider(): Provider {
  return new Provider({
    endpoint: OP_ENDPOINT,
    store: new MemoryStore({ maxAssociations: 1_000_000 }),
  });
}

/** Serves alice's XRDS and the provider's direct requests (associate, check_authentication). */
export function providerFetcher(op: Provider): Fetcher {
  return async (url: string, init: FetchRequest = {}) => {
    if (url === CLAIMED_ID) {
      return response(url, 200, 'application/xrds+xml', identityPageXrds(OP_ENDPOINT));
    }
    if (url === OP_ENDPOINT && init.method === 'POST') {
      const params = new URLSearchParams(typeof init.body === 'string' ? init.body : init.body?.toString());
      const web = await op.respond(params, () => {
        throw new Error('checkid is not a direct request');
      });
      return response(url, web?.status ?? 400, 'text/plain', web?.body ?? '');
    }
    return response(url, 404, 'text/plain', 'not found');
  };
}

/** A relying party on `store` (null: stateless) talking to `op` through {@link providerFetcher}. */
export function makeRelyingParty(
  op: Provider,
  store: OpenIDStore | null,
  extra: Partial<RelyingPartyOptions> = {},
): RelyingParty {
  return new RelyingParty({
    realm: REALM,
    returnTo: RETURN_TO,
    secret: RP_SECRET,
    store,
    fetcher: providerFetcher(op),
    ...extra,
  });
}

/**
 * `count` positive assertions the provider signs for one checkid_setup
 * request (each with its own response_nonce): the URLs the browser brings
 * back to return_to.
 */
export async function makeAssertions(op: Provider, redirectUrl: string, count: number): Promise<string[]> {
  const params = new URL(redirectUrl).searchParams;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const request = op.decodeRequest(params) as CheckIDRequest;
    const web = await op.encodeResponse(request.allow());
    const location = web.headers['location'];
    if (web.status !== 302 || location === undefined) throw new Error(`provider answered ${web.status}`);
    out.push(location);
  }
  return out;
}

/**
 * complete() over `urls` on a relying party and MemoryStore of their own (so the nonces stay fresh
 * for the measured rows): the first calls of a process run before V8 has optimized them, and a
 * suite's first row would otherwise measure compilation (issue 25, docs/scaling.md).
 */
export async function warmUpComplete(
  op: Provider,
  association: Association,
  state: string,
  urls: readonly string[],
): Promise<void> {
  const store = new MemoryStore();
  await store.storeAssociation(OP_ENDPOINT, association);
  const rp = makeRelyingParty(op, store);
  for (const url of urls) {
    if ((await rp.complete(url, { state })).status !== 'success')
      throw new Error('a warm-up assertion was refused');
  }
}

/** check_authentication bodies for assertions signed with private associations (stateless RP). */
export function toCheckAuthParams(assertionUrl: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of new URL(assertionUrl).searchParams) {
    if (k.startsWith('openid.')) params.set(k, k === 'openid.mode' ? 'check_authentication' : v);
  }
  return params;
}

/**
 * Puts `count` distinct fresh nonces into `store` for `serverUrl`,
 * `concurrency` at a time. With `budgetMs`, gives up (returning false)
 * once the rate so far says the whole seeding would take longer.
 */
export async function seedNonces(
  store: OpenIDStore,
  serverUrl: string,
  count: number,
  options: { concurrency?: number; budgetMs?: number } = {},
): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  const start = performance.now();
  const budget = options.budgetMs ?? Number.POSITIVE_INFINITY;
  let next = 0;
  let abandoned = false;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 16 }, async () => {
      while (next < count && !abandoned) {
        const i = next++;
        if (!(await store.useNonce(serverUrl, now, `seed${i}`))) throw new Error('seed nonce refused');
        const spent = performance.now() - start;
        if (i >= 200 && (spent / i) * count > budget) abandoned = true;
      }
    }),
  );
  return !abandoned;
}

/**
 * The return_to an assertion carries: node-openid compares it with the return URL it is given, and
 * the assertions here carry openid2's per-login nonce in it, so node-openid gets that URL.
 */
export function returnToOf(assertionUrl: string): string {
  return new URL(assertionUrl).searchParams.get('openid.return_to') as string;
}
