/**
 * The adversarial suite's small world on 127.0.0.1: an honest provider (this
 * package's Provider over HTTP, from test/helpers/op-server.ts), attacker
 * servers (a FakeOP that signs anything, or a scripted page/endpoint server),
 * and relying parties that reach them through the real fetcher. The browser
 * leg is `browse()`: the RP's `complete()` gets the URL (or form body) a
 * browser would bring back, which is where an attacker edits things.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Association } from '../../src/protocol/association.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { computeMac, signMessage } from '../../src/protocol/signature.js';
import type { AuthRequest } from '../../src/rp/auth-request.js';
import { type BeginOptions, RelyingParty, type RelyingPartyOptions } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP } from '../helpers/fake-op.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { serveFetcher } from '../helpers/serve-fetcher.js';

export const SECRET = 'adversarial-suite-secret-0123456789abcdef';
export const REALM = 'https://rp.example/';
export const RETURN = 'https://rp.example/openid/return?sid=S';

export type { ProviderServer };
export { FakeOP };

/** A relying party that reaches 127.0.0.1 through the real fetcher, with a memory store unless told otherwise. */
export function makeRp(options: Partial<RelyingPartyOptions> = {}): RelyingParty {
  return new RelyingParty({
    realm: REALM,
    returnTo: RETURN,
    secret: SECRET,
    fetch: { allowPrivateNetworks: true, timeoutMs: 3000 },
    ...options,
    store: 'store' in options ? (options.store ?? null) : new MemoryStore(),
  });
}

/** The honest provider over HTTP. */
export function honestOp(): Promise<ProviderServer> {
  return startProviderServer();
}

/** What a browser brings back to the RP after a login at the honest provider. */
export interface Arrival {
  auth: AuthRequest;
  /** The URL the browser lands on (the assertion in its query, unless `body` is set). */
  url: string;
  body?: string;
}

/** begin() at `input`, then let the provider answer like a browser would. */
export async function loginAt(rp: RelyingParty, input: string, options: BeginOptions = {}): Promise<Arrival> {
  const auth = await rp.begin(input, options);
  const back = await browse(auth.redirectUrl);
  return back.body === undefined ? { auth, url: back.url } : { auth, url: back.url, body: back.body };
}

/** The `openid.*` fields of an arrival URL. */
export function fieldsOf(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(url).searchParams) if (k.startsWith('openid.')) out[k] = v;
  return out;
}

/** The arrival URL with its `openid.*` fields replaced by `fields` (other query parameters kept). */
export function withFields(url: string, fields: Readonly<Record<string, string>>): string {
  const u = new URL(url);
  for (const k of [...u.searchParams.keys()]) if (k.startsWith('openid.')) u.searchParams.delete(k);
  for (const [k, v] of Object.entries(fields)) u.searchParams.append(k, v);
  return u.toString();
}

/** Edit the arrival's `openid.*` fields (an attacker in the browser). */
export function edit(url: string, change: (fields: Record<string, string>) => void): string {
  const f = fieldsOf(url);
  change(f);
  return withFields(url, f);
}

/** Assert a failure and return its code. */
export function failure(r: CompleteResult): string {
  assert.equal(r.status, 'failure', `expected a failure, got ${JSON.stringify(r)}`);
  return (r as { code: string }).code;
}

/** Assert a success and return its claimed id. */
export function success(r: CompleteResult): string | null {
  assert.equal(r.status, 'success', `expected a success, got ${JSON.stringify(r)}`);
  return (r as { claimedId: string | null }).claimedId;
}

/** An attacker provider: a FakeOP (signs whatever it is told) served over HTTP, with its own pages. */
export interface AttackerOp {
  base: string;
  endpoint: string;
  op: FakeOP;
  /** Add or replace an identity page (path → HTML). */
  page(path: string, html: string): string;
  close(): Promise<void>;
}

export async function attackerOp(): Promise<AttackerOp> {
  let op!: FakeOP;
  const served = await serveFetcher((base) => {
    op = new FakeOP(`${base}/op`, { pages: {} });
    for (const k of Object.keys(op.pages)) delete op.pages[k];
    return op.fetcher;
  });
  return {
    base: served.base,
    endpoint: `${served.base}/op`,
    op,
    page(path, html) {
      op.pages[`${served.base}${path}`] = html;
      return `${served.base}${path}`;
    },
    close: served.close,
  };
}

/** One scripted answer of a {@link ScriptedServer}. */
export interface Scripted {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the client's deadline must end it). */
  hang?: boolean;
}

/** A bare HTTP server whose answers the test scripts per path; it records every request. */
export interface ScriptedServer {
  base: string;
  routes: Map<string, (req: { method: string; body: string; url: URL }) => Scripted>;
  requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

export async function scriptedServer(): Promise<ScriptedServer> {
  const routes: ScriptedServer['routes'] = new Map();
  const requests: ScriptedServer['requests'] = [];
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', path: url.pathname, body });
      const route = routes.get(url.pathname);
      if (!route) {
        res.writeHead(404).end('not found');
        return;
      }
      const a = route({ method: req.method ?? 'GET', body, url });
      if (a.hang) return;
      res.writeHead(a.status ?? 200, {
        'content-type': a.contentType ?? 'text/plain',
        ...(a.headers ?? {}),
      });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    routes,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** HTML identity page naming a 2.0 provider (and optionally an OP-local id). */
export function page2(op: string, localId?: string): string {
  return `<html><head><link rel="openid2.provider" href="${op}">${
    localId ? `<link rel="openid2.local_id" href="${localId}">` : ''
  }</head><body></body></html>`;
}

/** A new random HMAC-SHA256 association (an attacker's own key). */
export function randomAssociation(handle: string): Association {
  const secret = new Uint8Array(32);
  crypto.getRandomValues(secret);
  return new Association({
    handle,
    secret,
    issued: Math.floor(Date.now() / 1000),
    lifetime: 3600,
    assocType: 'HMAC-SHA256',
  });
}

/** Re-sign edited fields with `association` (an attacker who holds that key), signing every openid.* field. */
export function resign(fields: Record<string, string>, association: Association): Record<string, string> {
  const m = Message.fromPostArgs(
    Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'openid.sig' && k !== 'openid.signed')),
  );
  m.set(OPENID_NS, 'assoc_handle', association.handle);
  return signMessage(m, association).toPostArgs() as Record<string, string>;
}

/** begin() at `input` (served by `op`), then let the FakeOP mint the answer it is told to (a forger's view). */
export async function fakeLogin(
  rp: RelyingParty,
  op: FakeOP,
  input: string,
  answer: Parameters<FakeOP['assertion']>[1] = {},
  options: BeginOptions = {},
): Promise<{ auth: AuthRequest; url: string; request: Message }> {
  const auth = await rp.begin(input, options);
  const request = FakeOP.request(auth.redirectUrl);
  return { auth, request, url: FakeOP.returnUrl(op.assertion(request, answer)) };
}

/**
 * Re-sign an arrival from `op` over exactly `keys` (in that order), with the
 * association the FakeOP used: what a provider that signs too little emits.
 * (signMessage always adds assoc_handle and signed; this does not.)
 */
export function signExactly(op: FakeOP, url: string, keys: readonly string[]): string {
  const f = fieldsOf(url);
  const handle = f['openid.assoc_handle'] as string;
  const assoc = op.shared.get(handle) ?? op.private.get(handle);
  if (!assoc) throw new Error(`the FakeOP holds no association ${handle}`);
  const text = keys.map((k) => `${k}:${f[`openid.${k}`] ?? ''}\n`).join('');
  f['openid.signed'] = keys.join(',');
  f['openid.sig'] = Buffer.from(computeMac(assoc, text)).toString('base64');
  return withFields(url, f);
}
