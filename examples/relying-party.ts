/**
 * A relying party for any OpenID with Web Request/Response handlers, served
 * by node:http. Run: `node --import tsx examples/relying-party.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, RelyingParty, SRegRequest, SRegResponse } from 'openid2';
import { nodeListener } from 'openid2/node';

export async function start(port = 3001, options: { allowPrivateNetworks?: boolean } = {}) {
  const base = `http://127.0.0.1:${port}`;
  let rp!: RelyingParty;
  const states = new Map<string, string>(); // login id -> state; use a signed cookie or session in an app

  const server = createServer(
    nodeListener(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/login') {
        const auth = await rp.begin(url.searchParams.get('openid') ?? '', {
          extensions: [new SRegRequest({ optional: ['nickname', 'email'] })],
        });
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
        if (result.status !== 'success') return Response.json(result, { status: 401 });
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
    fetch: { allowPrivateNetworks: options.allowPrivateNetworks ?? false },
  });
  return { url: actual, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start();
  console.log(`relying party on ${url}/login?openid=...`);
}
