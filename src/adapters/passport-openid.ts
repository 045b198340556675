/**
 * A Passport strategy that is a drop-in for `passport-openid`: the same
 * option names where they make sense (`returnURL`, `realm`, `profile`,
 * `providerURL`, `identifierField`, `stateless`, `pape`, `passReqToCallback`),
 * the same verify callbacks chosen by arity, and every check of
 * `RelyingParty.complete()` behind them. Differences are listed in
 * docs/migrate-from-passport-openid.md. Passport is an optional peer
 * dependency: nothing of it is imported (Passport only needs an object with
 * `name` and `authenticate`).
 *
 * @example
 * passport.use(new OpenIDStrategy(
 *   { returnURL: 'https://app.example/auth/openid/return', realm: 'https://app.example/', secret },
 *   (identifier: string, done: VerifyDone) => done(null, { id: identifier }),
 * ));
 * app.post('/auth/openid', passport.authenticate('openid'));
 * app.get('/auth/openid/return', passport.authenticate('openid', { successRedirect: '/', failureRedirect: '/login' }));
 */
import type { FetchOptions } from '../discovery/fetcher.js';
import { AXFetchRequest, AXFetchResponse } from '../extensions/ax.js';
import { AX_TYPES } from '../extensions/ax-types.js';
import type { Extension } from '../extensions/extension.js';
import { PAPERequest, type PAPERequestOptions, PAPEResponse } from '../extensions/pape.js';
import { SREG_FIELDS, SRegRequest, type SRegRequestOptions, SRegResponse } from '../extensions/sreg.js';
import { sharedStateOrDefaults } from '../rp/per-process-defaults.js';
import { RelyingParty } from '../rp/relying-party.js';
import type { SuccessResult } from '../rp/result.js';
import type { OpenIDStore } from '../stores/store.js';
import { expressFlowRequest } from './express.js';
import type { ExpressLikeRequest, ExpressLikeResponse } from './express-like.js';
import { type LoginFlowOptions, STATE_USED, startLogin, takePendingState } from './login-flow.js';
import { FormTooLargeError } from './read-form.js';
import { resubmitPageFor } from './resubmit.js';
import type { StateCookieOptions } from './state-cookie.js';

export type { ExpressLikeRequest, ExpressLikeResponse };

/** The profile handed to verify when `profile: true` (Passport's normalized profile; signed values only). */
export interface OpenIDProfile {
  /** The full name (SReg `fullname` or its AX type). */
  displayName?: string;
  /** The e-mail address (SReg `email` or its AX type), as Passport's one-element list. */
  emails?: {
    /** The address. */
    value: string;
  }[];
  /** Family and given names, from AX. */
  name?: {
    /** The AX last name. */
    familyName?: string;
    /** The AX first name. */
    givenName?: string;
  };
}

/** PAPE information handed to a 4-argument verify (signed values only). */
export interface OpenIDPape {
  /** Policies the provider says it applied (PAPE `auth_policies`); empty when none. */
  authPolicies: readonly string[];
  /** When the user last authenticated at the provider (PAPE `auth_time`), or null. */
  authTime: Date | null;
}

/** Passport's `done`: an error, or the user (false for none) and info. */
export type VerifyDone = (error: unknown, user?: unknown, info?: unknown) => void;

/** Verify callbacks, chosen by their number of parameters (as in passport-openid). */
export type OpenIDVerify =
  | ((identifier: string, done: VerifyDone) => void)
  | ((identifier: string, profile: OpenIDProfile, done: VerifyDone) => void)
  | ((identifier: string, profile: OpenIDProfile, pape: OpenIDPape, done: VerifyDone) => void);

/**
 * Verify callbacks with the request first (`passReqToCallback: true`). `Req`
 * is the app's request type (e.g. Express's `Request`, with its session);
 * openid2 itself needs only the members of {@link ExpressLikeRequest}.
 */
export type OpenIDVerifyWithRequest<Req extends ExpressLikeRequest = ExpressLikeRequest> =
  | ((req: Req, identifier: string, done: VerifyDone) => void)
  | ((req: Req, identifier: string, profile: OpenIDProfile, done: VerifyDone) => void)
  | ((req: Req, identifier: string, profile: OpenIDProfile, pape: OpenIDPape, done: VerifyDone) => void);

/** Options of {@link OpenIDStrategy}. */
export interface OpenIDStrategyOptions {
  /** return_to: where providers send users back. Required unless `relyingParty` is given. */
  returnURL?: string;
  /** The realm; default the origin of returnURL with a trailing slash. */
  realm?: string;
  /** Ask for SReg and AX profile data and pass a profile to verify. */
  profile?: boolean;
  /** Always log in at this OpenID (e.g. a provider's OP identifier); GET logins are then allowed (as with a `steamLogin()` relying party). */
  providerURL?: string;
  /** Form / query field with the user's OpenID. Default `openid_identifier`. */
  identifierField?: string;
  /** No associations: every assertion is confirmed with check_authentication. Nonces are still remembered. */
  stateless?: boolean;
  /** A PAPE request to send (passport-openid's `pape` option). */
  pape?: PAPERequestOptions;
  /** SReg fields to ask for (overrides the `profile` set). */
  sreg?: SRegRequestOptions;
  /** An AX fetch request to send (overrides the `profile` set). */
  ax?: AXFetchRequest;
  /** Other extension requests. */
  extensions?: readonly Extension[];
  /** Pass the request as the first argument of verify. */
  passReqToCallback?: boolean;
  /**
   * Key (≥ 32 bytes) authenticating the login state, the same in every process.
   * Missing (with `store`): an error when NODE_ENV=production, else a random key and one warning.
   */
  secret?: Uint8Array | string;
  /** Store for associations and nonces, shared by every process. Missing: as `secret` (a MemoryStore). */
  store?: OpenIDStore;
  /** Fetcher limits (e.g. `allowPrivateNetworks` for an intranet provider). */
  fetch?: FetchOptions;
  /** A relying party to use instead of building one (e.g. `steamLogin()`); then returnURL, realm, stateless, store, secret and fetch are ignored. */
  relyingParty?: RelyingParty;
  /** Strategy name. Default `openid`. */
  name?: string;
  /** Allow a GET to start a login with a user-typed identifier (off: SE-04). */
  allowGetLogin?: boolean;
  /** Origins besides the return URL's whose pages may POST the login form. */
  allowedOrigins?: readonly string[];
  /** How the app is reached, to rebuild the current URL (behind a proxy). Default `req.protocol` and Host. */
  baseUrl?: string;
  /** State cookie settings (used when the request has no `req.session`). */
  stateCookie?: StateCookieOptions;
  /** Largest form body read when no body parser ran, in bytes. Default 64 KiB; larger is answered 413. */
  maxBodyBytes?: number;
}

/** What Passport adds to the strategy object for one authentication. */
interface StrategyActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  redirect(url: string, status?: number): void;
  error(err: unknown): void;
}

const SESSION_KEY = 'openid2:state';

type SessionLike = Record<string, unknown>;

function sessionOf(req: ExpressLikeRequest): SessionLike | null {
  const s = (req as { session?: unknown }).session;
  return s !== null && typeof s === 'object' ? (s as SessionLike) : null;
}

/** Passport's profile from the signed SReg and AX data. */
function profileOf(result: SuccessResult): OpenIDProfile {
  const sreg = SRegResponse.fromSuccess(result);
  const ax = AXFetchResponse.fromSuccess(result);
  const profile: OpenIDProfile = {};
  const fullname = sreg?.get('fullname') ?? ax?.get(AX_TYPES.fullname) ?? null;
  if (fullname) profile.displayName = fullname;
  const email = sreg?.get('email') ?? ax?.get(AX_TYPES.email) ?? null;
  if (email) profile.emails = [{ value: email }];
  const given = ax?.get(AX_TYPES.firstName) ?? null;
  const family = ax?.get(AX_TYPES.lastName) ?? null;
  if (given || family)
    profile.name = { ...(family ? { familyName: family } : {}), ...(given ? { givenName: given } : {}) };
  return profile;
}

function papeOf(result: SuccessResult): OpenIDPape {
  const pape = PAPEResponse.fromSuccess(result);
  return { authPolicies: pape?.authPolicies ?? [], authTime: pape?.authTime ?? null };
}

/**
 * The Passport strategy. Logins start with a POST of the login form from
 * this site (or a GET when `providerURL` is fixed or `allowGetLogin`); the
 * state lives in `req.session` when there is one, else in an HttpOnly
 * SameSite=Lax cookie; the return verifies everything `RelyingParty`
 * verifies, then calls verify.
 *
 * Passport calls `authenticate` on an object made with
 * `Object.create(strategy)`, so this class keeps no `#private` members.
 *
 * @typeParam Req - the request type a `passReqToCallback` verify receives, inferred from it.
 */
export class OpenIDStrategy<Req extends ExpressLikeRequest = ExpressLikeRequest> {
  /** Strategy name for `passport.authenticate()`. */
  name: string;
  /** The relying party doing the work. */
  readonly relyingParty: RelyingParty;
  /** The application's verify callback. */
  protected readonly verify: OpenIDVerify | OpenIDVerifyWithRequest<Req>;
  /** The options the strategy was made with. */
  protected readonly options: OpenIDStrategyOptions;
  /** How logins start: identifier field, fixed provider, GET logins, allowed origins. */
  protected readonly flowOptions: LoginFlowOptions;

  constructor(options: OpenIDStrategyOptions, verify: OpenIDVerify | OpenIDVerifyWithRequest<Req>) {
    if (typeof verify !== 'function') throw new TypeError('OpenIDStrategy requires a verify callback');
    if (!options.relyingParty && !options.returnURL)
      throw new TypeError('OpenIDStrategy requires a returnURL option');
    this.name = options.name ?? 'openid';
    this.verify = verify;
    // The state key is used here only: the kept options never carry it (nothing prints it later).
    const { secret: _secret, ...kept } = options;
    this.options = kept;
    this.relyingParty =
      options.relyingParty ??
      new RelyingParty({
        realm: options.realm ?? `${new URL(options.returnURL as string).origin}/`,
        returnTo: options.returnURL as string,
        ...sharedStateOrDefaults('OpenIDStrategy', options),
        associations: options.stateless ? 'none' : 'inline',
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    const extensions: Extension[] = [];
    if (options.sreg) extensions.push(new SRegRequest(options.sreg));
    else if (options.profile) extensions.push(new SRegRequest({ optional: SREG_FIELDS }));
    if (options.ax) extensions.push(options.ax);
    else if (options.profile) {
      extensions.push(
        new AXFetchRequest()
          .add(AX_TYPES.email, { required: true })
          .add(AX_TYPES.fullname)
          .add(AX_TYPES.firstName)
          .add(AX_TYPES.lastName),
      );
    }
    if (options.pape) extensions.push(new PAPERequest(options.pape));
    extensions.push(...(options.extensions ?? []));
    this.flowOptions = {
      ...(options.identifierField === undefined ? {} : { identifierField: options.identifierField }),
      ...(options.providerURL === undefined ? {} : { fixedIdentifier: options.providerURL }),
      // With no user input (a fixed provider) a GET cannot make us discover an attacker's URL (SE-04).
      allowGetLogin:
        options.allowGetLogin ??
        (options.providerURL !== undefined ||
          (this.relyingParty as { needsUserInput?: boolean }).needsUserInput === false),
      ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
      ...(options.stateCookie === undefined ? {} : { stateCookie: options.stateCookie }),
      beginOptions: { extensions },
    };
  }

  /** The profile handed to a verify of three or more parameters (signed SReg / AX values). */
  async profileFor(result: SuccessResult): Promise<unknown> {
    return profileOf(result);
  }

  /** Called by Passport: starts a login, or finishes one when the request carries `openid.mode`. */
  authenticate(req: ExpressLikeRequest, _options?: unknown): void {
    // `this` is Passport's Object.create(strategy) with the actions attached.
    const self = this as unknown as OpenIDStrategy & StrategyActions;
    run(self, req).catch((e: unknown) => {
      // An oversized body is the client's fault, not ours: 413 as documented, not a 500.
      if (e instanceof FormTooLargeError)
        return self.fail({ message: 'request body too large', code: e.code }, 413);
      self.error(e);
    });
  }
}

async function run(strategy: OpenIDStrategy & StrategyActions, req: ExpressLikeRequest): Promise<void> {
  const options = (strategy as unknown as { options: OpenIDStrategyOptions }).options;
  const flowOptions = (strategy as unknown as { flowOptions: LoginFlowOptions }).flowOptions;
  const rp = strategy.relyingParty;
  const flow = await expressFlowRequest(req, {
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  const query = new URL(flow.url).searchParams;
  const form = flow.form;
  const formMode = form instanceof URLSearchParams ? form.get('openid.mode') : form?.['openid.mode'];
  const res = req.res;
  const session = sessionOf(req);

  if (query.has('openid.mode') || (formMode !== undefined && formMode !== null)) {
    const taken = session ? null : takePendingState(rp, flow, flowOptions);
    const state = session
      ? typeof session[SESSION_KEY] === 'string'
        ? (session[SESSION_KEY] as string)
        : undefined
      : taken?.state;
    if (taken?.used) {
      res?.setHeader('Referrer-Policy', 'no-referrer');
      return strategy.fail({ message: STATE_USED.message, code: STATE_USED.code });
    }
    // A provider's form POST arrives without SameSite=Lax cookies (the session's or ours): post it
    // again from this site once, so the browser sends them (see LoginResubmit).
    const resubmit = state === undefined && res ? resubmitPageFor(flow) : null;
    if (resubmit !== null && res) {
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).type('html').send(resubmit);
      return;
    }
    if (session) delete session[SESSION_KEY];
    else for (const c of taken?.setCookies ?? []) res?.append('Set-Cookie', c);
    res?.setHeader('Referrer-Policy', 'no-referrer');
    const result = await rp.complete(flow.url, {
      state,
      body: flow.method === 'POST' ? (form ?? new URLSearchParams()) : null,
    });
    if (result.status === 'cancel') return strategy.fail({ message: 'OpenID authentication canceled' });
    if (result.status !== 'success') {
      const code = result.status === 'failure' ? result.code : 'setup_needed';
      return strategy.fail({ message: 'OpenID authentication failed', code });
    }
    const identifier = result.claimedId as string;
    const verified: VerifyDone = (err, user, info) => {
      if (err) return strategy.error(err);
      if (!user) return strategy.fail(info);
      strategy.success(user, info);
    };
    const verify = (strategy as unknown as { verify: (...args: unknown[]) => void }).verify;
    const args: unknown[] = [identifier];
    const arity = verify.length - (options.passReqToCallback ? 1 : 0);
    if (arity >= 3) args.push(await strategy.profileFor(result));
    if (arity >= 4) args.push(papeOf(result));
    args.push(verified);
    if (options.passReqToCallback) args.unshift(req);
    verify(...args);
    return;
  }

  const start = await startLogin(rp, flow, flowOptions);
  if (!start.ok) {
    return strategy.fail(
      {
        message: start.code === 'missing_identifier' ? 'Missing OpenID identifier' : start.message,
        code: start.code,
      },
      start.status,
    );
  }
  if (session) {
    if (start.state !== undefined) session[SESSION_KEY] = start.state;
  } else {
    for (const [k, v] of start.headers) if (k === 'set-cookie') res?.append('Set-Cookie', v);
  }
  if (start.location !== undefined) return strategy.redirect(start.location, 303);
  // A request too long for a URL: an auto-submitting form, written directly (Passport has no action for it).
  if (!res)
    return strategy.error(new Error('the login request needs a form POST but there is no response object'));
  res
    .status(200)
    .type('html')
    .send(start.html ?? '');
}
