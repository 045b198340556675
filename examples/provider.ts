/**
 * A provider endpoint: answers associate and check_authentication itself,
 * and asks the app about checkid requests. Here every request for
 * /id/<name> is approved; a real provider signs the user in and asks consent.
 * Run: `node --import tsx examples/provider.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityPageHtml, MemoryStore, Provider } from 'openid2';
import { nodeListener } from 'openid2/node';

export async function start(port = 3002) {
  let op!: Provider;
  let base = '';
  const server = createServer(
    nodeListener(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/openid') {
        const params =
          request.method === 'POST' ? new URLSearchParams(await request.text()) : url.searchParams;
        const answer = await op.respond(params, (checkid) =>
          // Decide here: is the user signed in, and do they trust checkid.realm?
          checkid.allow(checkid.idSelect() ? { identity: `${base}/id/demo` } : {}),
        );
        if (!answer) return new Response('This is an OpenID endpoint.\n');
        return new Response(answer.body || null, { status: answer.status, headers: answer.headers });
      }
      if (url.pathname.startsWith('/id/')) {
        return new Response(identityPageHtml({ opEndpoint: `${base}/openid` }), {
          headers: { 'content-type': 'text/html' },
        });
      }
      return new Response('not found\n', { status: 404 });
    }),
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  op = new Provider({ endpoint: `${base}/openid`, store: new MemoryStore() });
  return { url: base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start();
  console.log(`provider on ${url}/openid; identities at ${url}/id/<name>`);
}
