/**
 * A relying party for any OpenID as Web `Request` → `Response` handlers
 * (the same code runs in Hono, Next.js route handlers, Bun or Deno-style
 * servers); served here by node:http through `nodeListener`.
 * Run: `node --import tsx examples/web-rp.ts` (then open http://127.0.0.1:3004/).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, RelyingParty } from 'openid2';
import { nodeListener } from 'openid2/node';
import { rpHandlers } from 'openid2/web';

export async function start(port = 3004, options: { allowPrivateNetworks?: boolean } = {}) {
  let handle: (request: Request) => Promise<Response> = async () => new Response('starting', { status: 503 });
  const server = createServer(nodeListener((request) => handle(request)));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const rp = new RelyingParty({
    realm: `${base}/`,
    returnTo: `${base}/login/return`,
    secret: process.env.OPENID_SECRET ?? crypto.getRandomValues(new Uint8Array(32)),
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: options.allowPrivateNetworks ?? false },
  });
  const { login, callback } = rpHandlers(rp, {
    // Sign the user in (a session cookie of your own), then 303 away from the return URL.
    onSuccess: (result) => `/hello?id=${encodeURIComponent(result.claimedId ?? '')}`,
    onFailure: (result) => {
      // Log the code and message (docs/failure-codes.md); show the user the code, not the message.
      if (result.status === 'failure') console.warn(`sign-in failed: ${result.code}: ${result.message}`);
      return `/?error=${result.status === 'failure' ? result.code : result.status}`;
    },
  });
  handle = async (request) => {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === '/login') return login(request); // POST from the form below
    if (pathname === '/login/return') return callback(request);
    if (pathname === '/hello') return new Response(`Hello, ${searchParams.get('id')}\n`);
    return new Response(
      '<form method="post" action="/login"><input name="openid_identifier"><button>Sign in</button></form>',
      { headers: { 'content-type': 'text/html' } },
    );
  };
  return { url: base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start();
  console.log(`open ${url}/`);
}
