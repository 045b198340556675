/**
 * The Hono example served on Node, Bun or Deno, whichever runs this file
 * (config from environment variables, see app.ts; PORT default 8787). It
 * prints `listening <url>` once it accepts connections.
 *
 *   node --import tsx examples/hono/serve.ts
 *   bun examples/hono/serve.ts
 *   deno run --allow-net --allow-env --sloppy-imports --node-modules-dir=manual examples/hono/serve.ts
 */
import { createApp, fromEnv } from './app.js';

interface RuntimeGlobals {
  Bun?: {
    serve(options: { port: number; hostname: string; fetch: (r: Request) => Promise<Response> }): unknown;
  };
  Deno?: {
    serve(
      options: { port: number; hostname: string; onListen?: () => void },
      handler: (r: Request) => Promise<Response>,
    ): unknown;
  };
}

const env = process.env;
const port = Number(env['PORT'] ?? '8787');
const hostname = '127.0.0.1';
const app = createApp(fromEnv(env));
const handler = async (request: Request) => app.fetch(request);
const g = globalThis as RuntimeGlobals;

if (g.Bun) {
  g.Bun.serve({ port, hostname, fetch: handler });
  console.log(`listening http://${hostname}:${port}`);
} else if (g.Deno) {
  g.Deno.serve(
    { port, hostname, onListen: () => console.log(`listening http://${hostname}:${port}`) },
    handler,
  );
} else {
  const { createServer } = await import('node:http');
  const { nodeListener } = await import('../../src/adapters/node-http.js');
  createServer(nodeListener(handler)).listen(port, hostname, () =>
    console.log(`listening http://${hostname}:${port}`),
  );
}
