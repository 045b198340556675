/**
 * A hostile OpenID provider endpoint over real HTTP on 127.0.0.1: every
 * direct request (associate, check_authentication) is answered by the
 * test's function, so associate responses can be bent field by field, and
 * the relying party reads them through its real, SSRF-guarded fetcher.
 */
import { randomBytes } from 'node:crypto';
import { createFetcher, type Fetcher } from '../../src/discovery/fetcher.js';
import type { AssociationType, SessionType } from '../../src/protocol/constants.js';
import { answerDiffieHellman } from '../../src/protocol/dh.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import type { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { readBody, startServer, type TestServer } from '../discovery/helpers/server.js';

/** What the hostile endpoint answers: a status and a raw body (usually key-value form). */
export interface HostileAnswer {
  status?: number;
  body: string;
}

/** The test's answer to one direct request (its `openid.` fields without prefix). */
export type HostileHandler = (fields: Record<string, string>, index: number) => HostileAnswer;

export interface HostileOP extends TestServer {
  /** The endpoint URL (`/op`). */
  readonly endpoint: string;
  /** The fields of every request received, in order. */
  readonly requests: Record<string, string>[];
  /** Replace the answering function. */
  handler: HostileHandler;
}

/** A fetcher for talking to loopback test servers: the SSRF guard is loosened by its named option only. */
export const loopbackFetcher: Fetcher = createFetcher({ allowPrivateNetworks: true, timeoutMs: 5000 });

export async function startHostileOP(handler: HostileHandler): Promise<HostileOP> {
  const requests: Record<string, string>[] = [];
  const state = { handler };
  const server = await startServer((req, res) => {
    void readBody(req).then((text) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(text)) if (k.startsWith('openid.')) fields[k.slice(7)] = v;
      requests.push(fields);
      const a = state.handler(fields, requests.length - 1);
      res.writeHead(a.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(a.body);
    });
  });
  // Accessors, not copied values: setting `handler` must reach the running server.
  return Object.defineProperties(server, {
    endpoint: { value: `${server.base}/op` },
    requests: { value: requests },
    handler: {
      get: () => state.handler,
      set: (h: HostileHandler) => {
        state.handler = h;
      },
    },
  }) as HostileOP;
}

/**
 * The genuine answer to an associate request (what an honest provider
 * would send), as fields to bend before encoding. `secret` is the MAC key.
 */
export function honestAssociateFields(
  request: Record<string, string>,
  options: { handle?: string; expiresIn?: string } = {},
): { fields: Record<string, string>; secret: Uint8Array } {
  const assocType = request['assoc_type'] as AssociationType;
  const sessionType = (request['session_type'] || 'no-encryption') as SessionType;
  const secret = randomBytes(assocType === 'HMAC-SHA1' ? 20 : 32);
  const fields: Record<string, string> = {
    ns: 'http://specs.openid.net/auth/2.0',
    assoc_handle: options.handle ?? `h-${randomBytes(6).toString('hex')}`,
    assoc_type: assocType,
    session_type: sessionType,
    expires_in: options.expiresIn ?? '3600',
    ...answerDiffieHellman(sessionType, request, secret),
  };
  return { fields, secret };
}

/** Key-value form of `fields` exactly as given (no validation: the point is to send bad input). */
export function rawKv(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
}

/** Strict key-value form (for answers that are meant to be well-formed). */
export function kv(fields: Readonly<Record<string, string>>): string {
  return Message.fromOpenIDArgs(Object.entries(fields)).toKVForm();
}

/**
 * Log in at `rp` as an identity page (served on 127.0.0.1) whose provider is
 * the hostile endpoint, with an assertion under a handle the RP does not
 * hold: the RP must ask the hostile endpoint with check_authentication, and
 * whatever `op.handler` answers decides the result.
 */
export async function loginThroughHostile(rp: RelyingParty, op: HostileOP): Promise<CompleteResult> {
  const page = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><head><link rel="openid2.provider" href="${op.endpoint}"></head></html>`);
  });
  try {
    const auth = await rp.begin(`${page.base}/me`);
    const req = Message.fromQuery(auth.redirectUrl);
    const assertion = Message.create('2.0');
    assertion.update(OPENID_NS, {
      mode: 'id_res',
      op_endpoint: op.endpoint,
      claimed_id: req.get(OPENID_NS, 'claimed_id') as string,
      identity: req.get(OPENID_NS, 'identity') as string,
      return_to: req.get(OPENID_NS, 'return_to') as string,
      response_nonce: makeNonce(Math.floor(Date.now() / 1000)),
      assoc_handle: `private-${randomBytes(4).toString('hex')}`,
      signed: 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
      sig: randomBytes(32).toString('base64'),
    });
    // The browser arrives at the return_to the provider was given (it carries the RP's per-login nonce).
    return await rp.complete(assertion.toURL(req.get(OPENID_NS, 'return_to') as string), {
      state: auth.state,
    });
  } finally {
    await page.close();
  }
}
