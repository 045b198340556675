/**
 * A relying party for any OpenID with Web Request/Response handlers, served
 * by node:http. Run: `node --import tsx examples/relying-party.ts`.
 *
 * Against the demo (`npx openid2 demo`, which prints http://127.0.0.1:3000/):
 * the demo's provider is on a loopback address, which the fetcher's SSRF
 * guard refuses (`fetch_blocked`) unless `fetch.allowPrivateNetworks` is on.
 * Run `OPENID2_ALLOW_PRIVATE=1 node --import tsx examples/relying-party.ts`
 * and open http://127.0.0.1:3001/login?openid=http://127.0.0.1:3000/op/id/<you>.
 * Never turn it on for a public site.
 *
 * Every failure is logged with its code and message and answered with them
 * (codes: docs/failure-codes.md), never as a bare 500.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, OpenIDError, RelyingParty, SRegRequest, SRegResponse } from 'openid2';
import { nodeListener } from 'openid2/node';

/** Log a failure and answer it with its code and message. */
function failed(status: number, code: string, message: string): Response {
  console.warn(`relying party: sign-in failed: ${code}: ${message}`);
  return Response.json({ code, message }, { status });
}

export async function start(port = 3001, options: { allowPrivateNetworks?: boolean } = {}) {
  const base = `http://127.0.0.1:${port}`;
  let rp!: RelyingParty;
  const states = new Map<string, string>(); // login id -> state; use a signed cookie or session in an app

  const server = createServer(
    nodeListener(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/login') {
        const identifier = (url.searchParams.get('openid') ?? '').trim();
        if (identifier === '') return failed(400, 'missing_identifier', 'no OpenID given (?openid=...)');
        let auth: Awaited<ReturnType<RelyingParty['begin']>>;
        try {
          auth = await rp.begin(identifier, {
            extensions: [new SRegRequest({ optional: ['nickname', 'email'] })],
          });
        } catch (e) {
          // Discovery and fetch errors carry a code (unreachable host, not an OpenID, private address).
          if (e instanceof OpenIDError) return failed(400, e.code, e.message);
          throw e;
        }
        const id = crypto.randomUUID();
        states.set(id, auth.state);
        return new Response(null, {
          status: 302,
          headers: {
            location: auth.redirectUrl,
            'set-cookie': `login=${id}; HttpOnly; SameSite=Lax; Path=/`,
          },
        });
      }
      if (url.pathname === '/return') {
        const id = /(?:^|;\s*)login=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? '';
        const body = request.method === 'POST' ? await request.text() : null;
        const result = await rp.complete(request.url, { state: states.get(id), body });
        states.delete(id);
        if (result.status === 'failure') return failed(401, result.code, result.message);
        if (result.status !== 'success') return failed(401, result.status, 'not signed in');
        const sreg = SRegResponse.fromSuccess(result);
        return Response.json({ claimedId: result.claimedId, nickname: sreg?.get('nickname') ?? null });
      }
      return new Response('GET /login?openid=<your OpenID>\n');
    }),
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const actual = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rp = new RelyingParty({
    realm: `${port === 0 ? actual : base}/`,
    returnTo: `${port === 0 ? actual : base}/return`,
    secret: crypto.getRandomValues(new Uint8Array(32)),
    store: new MemoryStore(),
    fetch: {
      allowPrivateNetworks: options.allowPrivateNetworks ?? process.env['OPENID2_ALLOW_PRIVATE'] === '1',
    },
  });
  return { url: actual, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start();
  console.log(`relying party on ${url}/login?openid=...`);
}
