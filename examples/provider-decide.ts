/**
 * A provider that decides checkid requests the way a real one must: who is
 * signed in, whether they own the identifier asked about, whether they trust
 * the realm, immediate mode, identifier_select, and Simple Registration.
 * docs/provider.md walks through it. `session` stands in for your login
 * session; the consent and login pages are left as plain text.
 * Run: `node --import tsx examples/provider-decide.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CheckIDRequest,
  identityPageHtml,
  MemoryStore,
  type OPResponse,
  opIdentifierXrds,
  ProtocolError,
  Provider,
  type SRegData,
  SRegRequest,
  SRegResponse,
  type TrustEvaluation,
} from 'openid2';
import { nodeListener } from 'openid2/node';

/** What the provider knows about the browser in front of it. */
export interface Session {
  /** The signed-in user's name, or null. */
  user: string | null;
  /** Realms this user has said "always allow" to. */
  trusted: Set<string>;
  /** Realms this user has refused. */
  refused: Set<string>;
  /** The user's profile, released through SReg only for trusted realms. */
  profile: SRegData;
}

/** An answer to send, or a page the user must see first (setup mode only). */
export type Decision =
  | { kind: 'answer'; response: OPResponse }
  | { kind: 'page'; page: 'login' | 'consent'; returnToVerified?: boolean; trust?: TrustEvaluation };

/** Decide one checkid request. `identityUrl(user)` is the user's identity page. */
export async function decide(
  checkid: CheckIDRequest,
  session: Session,
  identityUrl: (user: string) => string,
): Promise<Decision> {
  const answer = (response: OPResponse): Decision => ({ kind: 'answer', response });
  // No: `cancel`, or `setup_needed` when the request is checkid_immediate.
  const no = () => answer(checkid.deny());
  // One call says whether to trust the request and why: a realm that is malformed or too broad
  // (http://*.com/, *.co.uk, *.github.io: spec §9.2, Public Suffix List) or a return_to outside
  // it is refused without asking anyone; relying-party discovery (spec §13) is a warning.
  const trust = await checkid.evaluateTrust();
  if (trust.verdict === 'refuse') return no();
  // Immediate mode may not show a page (spec §9.3, §10.2.1): anything needing the user is a "no".
  const askUser = (
    page: 'login' | 'consent',
    extra: { returnToVerified?: boolean; trust?: TrustEvaluation } = {},
  ): Decision => (checkid.immediate ? no() : { kind: 'page', page, ...extra });

  if (session.user === null) return askUser('login');
  const mine = identityUrl(session.user);
  // The RP asked about a specific identifier: only its owner may answer yes.
  if (!checkid.idSelect() && checkid.identity !== null && checkid.identity !== mine) return askUser('login');
  if (session.refused.has(checkid.realm)) return no();
  if (!session.trusted.has(checkid.realm)) {
    // Relying-party discovery (spec §13): show a warning, with its reason, on the consent page when it failed.
    return askUser('consent', { returnToVerified: trust.verdict === 'verified', trust });
  }

  // identifier_select: the provider names the identity; otherwise the request's stands.
  const response = checkid.allow(checkid.idSelect() ? { identity: mine } : {});
  const sreg = SRegRequest.fromCheckIdRequest(checkid);
  if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, session.profile));
  return answer(response); // signed by encodeResponse, extensions included
}

/** The endpoint at /openid, identity pages at /id/<name>, the OP identifier at /. */
export async function start(port = 3003, options: { session: Session; allowPrivateNetworks?: boolean }) {
  let op!: Provider;
  let base = '';
  const identityUrl = (user: string) => `${base}/id/${encodeURIComponent(user)}`;
  const server = createServer(
    nodeListener(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/openid') {
        const params =
          request.method === 'POST' ? new URLSearchParams(await request.text()) : url.searchParams;
        let answer: OPResponse;
        try {
          const decoded = op.decodeRequest(params);
          if (decoded === null) return new Response('This is an OpenID endpoint.\n');
          if (decoded.mode === 'associate' || decoded.mode === 'check_authentication') {
            answer = await op.handleRequest(decoded);
          } else {
            const d = await decide(decoded, options.session, identityUrl);
            // A real provider keeps the request (e.g. in the session) and shows the page.
            if (d.kind === 'page') return new Response(`${d.page}\n`, { status: 200 });
            answer = d.response;
          }
        } catch (e) {
          // Malformed request, or a return_to outside the realm: encodeError picks
          // a redirect to return_to, a 400 page, or a key-value 400 (spec §5.1.2.2).
          if (e instanceof ProtocolError) return toResponse(op.encodeError(e));
          throw e;
        }
        return toResponse(await op.encodeResponse(answer));
      }
      if (url.pathname.startsWith('/id/')) {
        return new Response(identityPageHtml({ opEndpoint: `${base}/openid` }), {
          headers: { 'content-type': 'text/html' },
        });
      }
      if (url.pathname === '/') {
        return new Response(opIdentifierXrds(`${base}/openid`), {
          headers: { 'content-type': 'application/xrds+xml' },
        });
      }
      return new Response('not found\n', { status: 404 });
    }),
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  op = new Provider({
    endpoint: `${base}/openid`,
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: options.allowPrivateNetworks ?? false },
  });
  return { url: base, identityUrl, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function toResponse(web: { status: number; headers: Record<string, string>; body: string }): Response {
  return new Response(web.body || null, { status: web.status, headers: web.headers });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const session: Session = { user: 'demo', trusted: new Set(), refused: new Set(), profile: {} };
  const { url } = await start(3003, { session });
  console.log(`provider on ${url}/openid; signed in as "demo", no realm trusted yet`);
}
