/**
 * The site's sign-in (POST /rp/login) and return (/rp/return), through the
 * adapters' flow (`openid2/web`): one state cookie per pending login, so
 * several tabs can sign in at once, and a reload of a used return URL reads
 * as `state_used`. The return is answered with a 303 to /rp/me
 * (post/redirect/get).
 */
import {
  AX_TYPES,
  AXFetchRequest,
  AXFetchResponse,
  type CompleteResult,
  type RelyingParty,
  SRegRequest,
  SRegResponse,
} from 'openid2';
import { type FlowRequest, finishLogin, startAnswer, startLogin } from 'openid2/web';
import { type Ctx, csrfOk } from '../http.js';
import { answer, failed, seeOther } from './view.js';

type Success = Extract<CompleteResult, { status: 'success' }>;

/** The signed attributes the signed-in page lists; null for one not sent. */
function attributeRows(result: Success): [string, string | null][] {
  const sreg = SRegResponse.fromSuccess(result);
  const ax = AXFetchResponse.fromSuccess(result);
  return [
    ['nickname (SReg)', sreg?.get('nickname') ?? null],
    ['email (SReg)', sreg?.get('email') ?? null],
    ['full name (SReg)', sreg?.get('fullname') ?? null],
    ['email (AX)', ax?.get(AX_TYPES.email) ?? null],
    ['nickname (AX)', ax?.get(AX_TYPES.nickname) ?? null],
  ];
}

const flowRequest = (ctx: Ctx): FlowRequest => ({
  method: ctx.request.method,
  url: ctx.request.url,
  header: (n) => ctx.request.headers.get(n),
  form: ctx.form,
});

export async function login(ctx: Ctx, rp: RelyingParty): Promise<Response> {
  const identifier = (ctx.form?.get('openid_identifier') ?? '').trim();
  // Kept for the page after a failure (shown in a wrapping field, never in the layout's width).
  ctx.session.rpLast = { identifier: identifier.slice(0, 8192) };
  if (!csrfOk(ctx)) return failed(ctx, 'form_expired');
  const start = await startLogin(rp, flowRequest(ctx), {
    beginOptions: {
      extensions: [
        new SRegRequest({ optional: ['nickname', 'email', 'fullname'] }),
        new AXFetchRequest()
          .add(AX_TYPES.email, { required: false })
          .add(AX_TYPES.nickname, { required: false }),
      ],
    },
  });
  if (!start.ok) return failed(ctx, start.code, start.headers);
  return answer(ctx, startAnswer(start));
}

export async function callback(ctx: Ctx, rp: RelyingParty): Promise<Response> {
  const finish = await finishLogin(rp, flowRequest(ctx));
  if ('resubmit' in finish)
    return answer(ctx, {
      status: 200,
      headers: [...finish.headers, ['content-type', 'text/html; charset=utf-8']],
      body: finish.resubmit,
    });
  const { result, headers } = finish;
  if (result.status === 'success' && result.claimedId !== null) {
    signIn(ctx, result, result.claimedId);
    return seeOther(ctx, '/rp/me', headers);
  }
  // A reload or the back button after a finished sign-in: the user is signed in already.
  if (result.status === 'failure' && result.code === 'state_used' && ctx.session.rpUser)
    return seeOther(ctx, '/rp/me', headers);
  const code =
    result.status === 'failure' ? result.code : result.status === 'success' ? 'anonymous' : result.status;
  return failed(ctx, code, headers);
}

/**
 * The site session holds who signed in. (The session id is rotated at the provider's sign-in;
 * rotating it here too would void the forms of another tab's login in progress.)
 */
function signIn(ctx: Ctx, result: Success, claimedId: string): void {
  ctx.session.openid2ClaimedId = claimedId;
  ctx.session.rpUser = {
    claimedId,
    provider: result.endpoint.opEndpoint,
    verifiedBy: result.verifiedBy === 'association' ? 'an association (HMAC)' : 'check_authentication',
    attributes: attributeRows(result),
  };
  delete ctx.session.rpLast;
}

/** POST /rp/logout: the site forgets who signed in. */
export function logout(ctx: Ctx): Response {
  if (csrfOk(ctx)) {
    delete ctx.session.rpUser;
    delete ctx.session.openid2ClaimedId;
  }
  return seeOther(ctx, '/');
}
