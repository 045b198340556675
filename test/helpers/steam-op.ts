/**
 * A local provider shaped like Steam's, as other libraries' fixtures show it:
 * the OP identifier `/openid` serves an XRDS with one 2.0 server service at
 * `/openid/login`; checkid_setup must use identifier_select; associations are
 * refused (`error_code:unsupported-type`); positive assertions carry
 * `assoc_handle=1234567890` and sign exactly
 * `signed,op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle`
 * (`ns` unsigned); claimed_id = identity = `/openid/id/<steamid64>`;
 * check_authentication is refused with 403 without `Origin`/`Referer` of
 * `https://steamcommunity.com` (February 2025 behaviour).
 * It is written from that description, not from this package's Provider.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeListener } from '../../src/adapters/node-http.js';

const NS = 'http://specs.openid.net/auth/2.0';
const IDSELECT = 'http://specs.openid.net/auth/2.0/identifier_select';
export const STEAM_SIGNED = 'signed,op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle';
export const STEAM_ORIGIN = 'https://steamcommunity.com';

export interface SteamProvider {
  base: string;
  opIdentifier: string;
  endpoint: string;
  claimedIdPrefix: string;
  /** The SteamID64 the provider signs users in as. */
  steamId: string;
  /** 'allow' answers id_res, 'cancel' answers cancel. */
  decision: 'allow' | 'cancel';
  /** Every check_authentication: the parameter names received, and the Origin / Referer headers. */
  checkAuths: { keys: string[]; origin: string | null; referer: string | null }[];
  /** The return URL of a positive assertion signed with the provider's key. `fields` overrides (null deletes) fields before signing. */
  assertion(returnTo: string, fields?: Record<string, string | null>, signedList?: string): string;
  close(): Promise<void>;
}

function kv(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}:${v}\n`).join('');
}

function nonce(): string {
  return `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}${randomBytes(6).toString('hex')}`;
}

export async function startSteamProvider(): Promise<SteamProvider> {
  const secret = randomBytes(32);
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('base64');
  let base = '';
  const state = { decision: 'allow' as 'allow' | 'cancel', steamId: '76561197960435530' };
  const checkAuths: SteamProvider['checkAuths'] = [];

  const assertion = (
    returnTo: string,
    fields: Record<string, string | null> = {},
    signedList = STEAM_SIGNED,
  ) => {
    const claimed = `${base}/openid/id/${state.steamId}`;
    const f: Record<string, string> = {
      ns: NS,
      mode: 'id_res',
      op_endpoint: `${base}/openid/login`,
      claimed_id: claimed,
      identity: claimed,
      return_to: returnTo,
      response_nonce: nonce(),
      assoc_handle: '1234567890',
      signed: signedList,
    };
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) delete f[k];
      else f[k] = v;
    }
    const pairs = signedList.split(',').map((k) => [k, f[k] ?? ''] as [string, string]);
    f.sig = mac(kv(pairs));
    const url = new URL(returnTo);
    for (const [k, v] of Object.entries(f)) url.searchParams.set(`openid.${k}`, v);
    return url.toString();
  };

  const server: Server = createServer(
    nodeListener(async (req) => {
      const url = new URL(req.url);
      if (url.pathname === '/openid') {
        return new Response(
          `<?xml version="1.0" encoding="UTF-8"?>\n<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service priority="0"><Type>http://specs.openid.net/auth/2.0/server</Type><URI>${base}/openid/login</URI></Service></XRD></xrds:XRDS>`,
          { headers: { 'content-type': 'application/xrds+xml' } },
        );
      }
      if (url.pathname !== '/openid/login') return new Response('not found', { status: 404 });
      const params = req.method === 'POST' ? new URLSearchParams(await req.text()) : url.searchParams;
      const mode = params.get('openid.mode');
      if (mode === 'associate') {
        return new Response(
          kv([
            ['ns', NS],
            ['error', 'Associations not supported'],
            ['error_code', 'unsupported-type'],
          ]),
          { status: 400, headers: { 'content-type': 'text/plain' } },
        );
      }
      if (mode === 'check_authentication') {
        const origin = req.headers.get('origin');
        const referer = req.headers.get('referer');
        checkAuths.push({ keys: [...params.keys()], origin, referer });
        if (origin !== STEAM_ORIGIN || !(referer ?? '').startsWith(STEAM_ORIGIN))
          return new Response('<html>Forbidden</html>', {
            status: 403,
            headers: { 'content-type': 'text/html' },
          });
        const signed = (params.get('openid.signed') ?? '').split(',');
        const pairs = signed.map((k) => [k, params.get(`openid.${k}`) ?? ''] as [string, string]);
        const valid =
          params.get('openid.assoc_handle') === '1234567890' &&
          signed.includes('return_to') &&
          mac(kv(pairs)) === params.get('openid.sig');
        return new Response(
          kv([
            ['ns', NS],
            ['is_valid', valid ? 'true' : 'false'],
          ]),
          { headers: { 'content-type': 'text/plain' } },
        );
      }
      if (mode === 'checkid_setup') {
        const returnTo = params.get('openid.return_to');
        if (
          params.get('openid.ns') !== NS ||
          params.get('openid.claimed_id') !== IDSELECT ||
          params.get('openid.identity') !== IDSELECT ||
          !returnTo
        ) {
          return new Response('Steam-shaped OP: expected an identifier_select 2.0 request', { status: 400 });
        }
        let location: string;
        if (state.decision === 'cancel') {
          const u = new URL(returnTo);
          u.searchParams.set('openid.ns', NS);
          u.searchParams.set('openid.mode', 'cancel');
          location = u.toString();
        } else {
          location = assertion(returnTo);
        }
        return new Response(null, { status: 302, headers: { location } });
      }
      return new Response('bad request', { status: 400 });
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    opIdentifier: `${base}/openid`,
    endpoint: `${base}/openid/login`,
    claimedIdPrefix: `${base}/openid/id/`,
    get steamId() {
      return state.steamId;
    },
    set steamId(v: string) {
      state.steamId = v;
    },
    get decision() {
      return state.decision;
    },
    set decision(v: 'allow' | 'cancel') {
      state.decision = v;
    },
    checkAuths,
    assertion,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
