/**
 * Class 1 of issue 27, "bodies capped while read": a 16 MiB chunked form body with no
 * Content-Length must be refused with 413 after at most a little more than the cap was
 * read, never after the whole body sits in memory. The Web handlers are called directly
 * with a streamed `Request` (as Hono, Bun and Deno hand it over) and count what was
 * pulled; the Node adapters are sent the body over a socket and must answer before the
 * client has managed to send all of it.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import formbody from '@fastify/formbody';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Passport } from 'passport';
import { expressProvider, expressRp } from '../../src/adapters/express.js';
import { openidFastify } from '../../src/adapters/fastify.js';
import { OpenIDStrategy } from '../../src/adapters/passport.js';
import { readCappedText } from '../../src/adapters/read-form.js';
import { providerHandler, rpHandlers } from '../../src/adapters/web.js';
import { Provider } from '../../src/op/provider.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { freePort } from '../adapters/free-port.js';

const MiB = 1024 * 1024;
const TOTAL = 16 * MiB;
const CHUNK = 64 * 1024;
const CAP = 64 * 1024;

/** A 16 MiB urlencoded body as a stream, counting the bytes anyone pulled from it. */
function hostileStream(): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode('a'.repeat(CHUNK));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= TOTAL) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

function hostileRequest(url: string): { request: Request; pulled: () => number } {
  const { stream, pulled } = hostileStream();
  const request = new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(request.headers.get('content-length'), null);
  return { request, pulled };
}

/**
 * POST 16 MiB chunked (no Content-Length) to a Node server, honouring backpressure, and report the
 * status and how many bytes had been written when the answer came.
 */
function sendChunked(url: string): Promise<{ status: number; sentBeforeAnswer: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'transfer-encoding': 'chunked',
        origin: u.origin,
      },
    });
    const chunk = Buffer.alloc(CHUNK, 'a');
    req.on('response', (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      res.resume();
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentBeforeAnswer });
      });
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const write = () => {
      while (!answered && sent < TOTAL) {
        sent += CHUNK;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

function rp(base: string): RelyingParty {
  return new RelyingParty({
    realm: `${base}/`,
    returnTo: `${base}/return`,
    secret: 'c'.repeat(40),
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
  });
}

describe('bodies capped while read: Web handlers (streamed Request, no Content-Length)', () => {
  const base = 'http://127.0.0.1:9';
  const handlers = rpHandlers(rp(base), { onSuccess: () => '/', maxBodyBytes: CAP });
  const op = new Provider({ endpoint: `${base}/op`, store: new MemoryStore() });
  const endpoint = providerHandler(op, { authorize: (r) => r.answer(false), maxBodyBytes: CAP });

  for (const [name, handle, path] of [
    ['rpHandlers.login', handlers.login, '/login'],
    ['rpHandlers.callback', handlers.callback, '/return'],
    ['providerHandler', endpoint, '/op'],
  ] as const) {
    test(`${name}: a 16 MiB chunked body is answered 413 after reading little more than the cap`, async () => {
      const { request, pulled } = hostileRequest(`${base}${path}`);
      const res = await handle(request);
      assert.equal(res.status, 413);
      // The stream may be asked for a chunk or two ahead (its high-water mark), never the whole body.
      assert.ok(pulled() <= CAP + 4 * CHUNK, `pulled ${pulled()} bytes`);
    });
  }

  test('readCappedText: a body at the cap is read whole; one byte more is refused', async () => {
    const at = new Request('http://x/', { method: 'POST', body: 'b'.repeat(CAP) });
    assert.equal((await readCappedText(at, CAP)).length, CAP);
    const over = new Request('http://x/', { method: 'POST', body: 'b'.repeat(CAP + 1) });
    await assert.rejects(readCappedText(over, CAP), { code: 'body_too_large' });
  });

  test('readCappedText: multi-byte characters split across chunks decode intact', async () => {
    const bytes = new TextEncoder().encode('é€😀');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of bytes) c.enqueue(Uint8Array.of(b));
        c.close();
      },
    });
    const r = new Request('http://x/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(await readCappedText(r, CAP), 'é€😀');
  });
});

describe('bodies capped while read: Node adapters (16 MiB chunked over a socket)', () => {
  const servers: Server[] = [];
  let fastify: FastifyInstance | undefined;
  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    await fastify?.close();
  });

  async function listen(app: express.Express): Promise<string> {
    const server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test('expressRp login and callback (no body parser): 413 before the body is all sent', async () => {
    const app = express();
    const base = await listen(app);
    const h = expressRp(rp(base), { onSuccess: () => '/', maxBodyBytes: CAP });
    app.post('/login', h.login);
    app.post('/return', h.callback);
    for (const path of ['/login', '/return']) {
      const { status, sentBeforeAnswer } = await sendChunked(`${base}${path}`);
      assert.equal(status, 413, path);
      assert.ok(sentBeforeAnswer < TOTAL, `${path}: answered after ${sentBeforeAnswer} bytes`);
    }
  });

  test('expressProvider (no body parser): 413 before the body is all sent', async () => {
    const app = express();
    const base = await listen(app);
    const op = new Provider({ endpoint: `${base}/op`, store: new MemoryStore() });
    app.post('/op', expressProvider(op, { authorize: (r) => r.answer(false), maxBodyBytes: CAP }));
    const { status, sentBeforeAnswer } = await sendChunked(`${base}/op`);
    assert.equal(status, 413);
    assert.ok(sentBeforeAnswer < TOTAL, `answered after ${sentBeforeAnswer} bytes`);
  });

  test('Passport strategy (no body parser): 413 as documented, not 500', async () => {
    const app = express();
    const base = await listen(app);
    const passport = new Passport();
    passport.use(
      new OpenIDStrategy(
        {
          returnURL: `${base}/return`,
          secret: 'p'.repeat(40),
          fetch: { allowPrivateNetworks: true },
          maxBodyBytes: CAP,
        },
        (_id: string, done: (e: unknown, u?: unknown) => void) => done(null, { id: 1 }),
      ),
    );
    app.use(passport.initialize());
    const auth = passport.authenticate('openid', { session: false });
    app.post('/login', auth);
    app.post('/return', auth);
    for (const path of ['/login', '/return']) {
      const { status, sentBeforeAnswer } = await sendChunked(`${base}${path}`);
      assert.equal(status, 413, path);
      assert.ok(sentBeforeAnswer < TOTAL, `${path}: answered after ${sentBeforeAnswer} bytes`);
    }
  });

  for (const withFormbody of [false, true]) {
    test(`Fastify plugin${withFormbody ? ' with @fastify/formbody' : ''}: 413 before the body is all sent`, async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      await fastify?.close();
      fastify = Fastify();
      if (withFormbody) await fastify.register(formbody, { bodyLimit: CAP });
      await fastify.register(openidFastify, {
        rp: rp(base),
        loginPath: '/login',
        returnPath: '/return',
        bodyLimit: CAP,
        onSuccess: () => '/',
      });
      await fastify.listen({ port, host: '127.0.0.1' });
      for (const path of ['/login', '/return']) {
        const { status, sentBeforeAnswer } = await sendChunked(`${base}${path}`);
        assert.equal(status, 413, path);
        assert.ok(sentBeforeAnswer < TOTAL, `${path}: answered after ${sentBeforeAnswer} bytes`);
      }
    });
  }
});
