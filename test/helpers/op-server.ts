/**
 * This package's Provider served over real HTTP on 127.0.0.1, with identity
 * pages, for end-to-end tests: `/op` endpoint, `/id/<name>` (2.0 + 1.1 via
 * XRDS and HTML), `/id1/<name>` (OpenID 1.1 HTML only), `/` OP identifier XRDS.
 * The decision on checkid requests is set by the test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeListener } from '../../src/adapters/node-http.js';
import { identityPageHtml, identityPageXrds, opIdentifierXrds } from '../../src/op/identity-pages.js';
import { Provider, type ProviderOptions } from '../../src/op/provider.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import type { OPResponse } from '../../src/op/response.js';
import { MemoryStore } from '../../src/stores/memory.js';

export type Decision =
  | 'allow'
  | 'deny'
  | ((request: CheckIDRequest, base: string) => OPResponse | Promise<OPResponse>);

export interface ProviderServer {
  base: string;
  endpoint: string;
  op: Provider;
  /** Modes of every OpenID request received, in order. */
  log: string[];
  decision: Decision;
  /** The user the provider "is logged in as" for identifier_select answers. */
  user: string;
  /** Extra time before answering an associate request (a slow provider). Default 0. */
  associateDelayMs: number;
  close(): Promise<void>;
}

export async function startProviderServer(options: Partial<ProviderOptions> = {}): Promise<ProviderServer> {
  const state = { decision: 'allow' as Decision, user: 'alice', associateDelayMs: 0 };
  const log: string[] = [];
  let base = '';
  let op!: Provider;
  const server: Server = createServer(
    nodeListener(async (req) => {
      const url = new URL(req.url);
      const wantsXrds = (req.headers.get('accept') ?? '').includes('application/xrds+xml');
      if (url.pathname === '/op') {
        const params = req.method === 'POST' ? new URLSearchParams(await req.text()) : url.searchParams;
        log.push(params.get('openid.mode') ?? '(none)');
        if (params.get('openid.mode') === 'associate' && state.associateDelayMs > 0)
          await new Promise((r) => setTimeout(r, state.associateDelayMs));
        const web = await op.respond(params, async (request) => {
          const d = state.decision;
          if (typeof d === 'function') return d(request, base);
          if (d === 'deny') return request.answer(false);
          const identity = request.idSelect() ? `${base}/id/${state.user}` : undefined;
          return request.answer(true, identity ? { identity } : {});
        });
        if (!web) return new Response('OpenID endpoint\n', { status: 200 });
        return new Response(web.body || null, { status: web.status, headers: web.headers });
      }
      const m = /^\/(id1?)\/([a-z0-9_-]+)$/.exec(url.pathname);
      if (m) {
        const endpoint = `${base}/op`;
        if (m[1] === 'id1') {
          return new Response(`<html><head><link rel="openid.server" href="${endpoint}"></head></html>`, {
            headers: { 'content-type': 'text/html' },
          });
        }
        if (wantsXrds)
          return new Response(identityPageXrds(endpoint), {
            headers: { 'content-type': 'application/xrds+xml' },
          });
        return new Response(identityPageHtml({ opEndpoint: endpoint, title: m[2] as string }), {
          headers: { 'content-type': 'text/html' },
        });
      }
      if (url.pathname === '/') {
        return new Response(opIdentifierXrds(`${base}/op`), {
          headers: { 'content-type': 'application/xrds+xml' },
        });
      }
      return new Response('not found', { status: 404 });
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  op = new Provider({
    endpoint: `${base}/op`,
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
    setupUrl: `${base}/login`,
    allowNoEncryptionOverHttp: true,
    ...options,
  });
  const ps: ProviderServer = {
    base,
    endpoint: `${base}/op`,
    op,
    log,
    get decision() {
      return state.decision;
    },
    set decision(d: Decision) {
      state.decision = d;
    },
    get user() {
      return state.user;
    },
    set user(u: string) {
      state.user = u;
    },
    get associateDelayMs() {
      return state.associateDelayMs;
    },
    set associateDelayMs(ms: number) {
      state.associateDelayMs = ms;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return ps;
}

/** Follow the provider's answer to a checkid redirect like a browser: the final URL at the RP (or the form POST body). */
export async function browse(redirectUrl: string): Promise<{ url: string; body?: string }> {
  const res = await fetch(redirectUrl, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  if (res.status === 302 || res.status === 303) return { url: res.headers.get('location') as string };
  const html = await res.text();
  if (res.status === 200 && html.includes('<form')) {
    const action = decodeEntities(/action="([^"]*)"/.exec(html)?.[1] ?? '');
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(
      ([, k, v]) => [decodeEntities(k as string), decodeEntities(v as string)],
    );
    return { url: action, body: new URLSearchParams(fields as [string, string][]).toString() };
  }
  throw new Error(`provider answered ${res.status}: ${html.slice(0, 200)}`);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
