/**
 * Passport: OpenIDStrategy in a real Express 5 + Passport 0.7 app on
 * 127.0.0.1 against this package's Provider over HTTP — passport-openid
 * options and verify arities, profile from signed SReg/AX, success and each
 * failure path, state in a cookie (no session) and in req.session.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { Passport } from 'passport';
import {
  type OpenIDPape,
  type OpenIDProfile,
  OpenIDStrategy,
  type OpenIDStrategyOptions,
  type VerifyDone,
} from '../../src/adapters/passport.js';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_TYPES } from '../../src/extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { steamLogin } from '../../src/steam/index.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { STEAM_ORIGIN, startSteamProvider } from '../helpers/steam-op.js';
import { loginRoundTrip, postLogin, returnTo, tamper } from './browser-steps.js';

interface Seen {
  identifier?: string;
  profile?: OpenIDProfile;
  pape?: OpenIDPape;
  viaReq?: boolean;
}

async function app(
  options: Partial<OpenIDStrategyOptions>,
  verify: (seen: Seen) => ConstructorParameters<typeof OpenIDStrategy>[1],
  useSession = false,
) {
  const a = express();
  const server = await new Promise<Server>((r) => {
    const s = a.listen(0, '127.0.0.1', () => r(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const seen: Seen = {};
  const passport = new Passport();
  passport.use(
    new OpenIDStrategy(
      {
        returnURL: `${base}/auth/openid/return`,
        fetch: { allowPrivateNetworks: true },
        secret: 'q'.repeat(40),
        ...options,
      },
      verify(seen),
    ),
  );
  a.use(express.urlencoded({ extended: false }));
  if (useSession) {
    // A minimal in-memory session (what express-session gives the strategy: a mutable req.session).
    const sessions = new Map<string, Record<string, unknown>>();
    a.use((req, res, next) => {
      let sid = /(?:^|; )sid=(\w+)/.exec(req.get('cookie') ?? '')?.[1];
      if (!sid || !sessions.has(sid)) {
        sid = Math.random().toString(36).slice(2);
        sessions.set(sid, {});
        res.append('Set-Cookie', `sid=${sid}; Path=/; HttpOnly`);
      }
      (req as unknown as { session: Record<string, unknown> }).session = sessions.get(sid) as Record<
        string,
        unknown
      >;
      next();
    });
  }
  a.use(passport.initialize());
  const finish: express.RequestHandler = (req, res, next) =>
    passport.authenticate(
      'openid',
      { session: false },
      (err: unknown, user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        if (!user) return res.status(status ?? 401).json(info ?? null);
        res.status(303).location('/me').json(user);
      },
    )(req, res, next);
  a.post('/auth/openid', finish);
  a.get('/auth/openid', finish);
  a.all('/auth/openid/return', finish);
  return {
    base,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('Passport OpenIDStrategy against a local provider', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer();
    ps.decision = (request) => {
      const response = request.answer(true);
      const sreg = SRegRequest.fromCheckIdRequest(request);
      if (sreg)
        response.addExtension(
          SRegResponse.extractResponse(sreg, { email: 'alice@op.example', fullname: 'Alice Liddell' }),
        );
      const ax = AXFetchRequest.fromCheckIdRequest(request);
      if (ax)
        response.addExtension(
          AXFetchResponse.extractResponse(ax, {
            [AX_TYPES.firstName]: 'Alice',
            [AX_TYPES.lastName]: 'Liddell',
          }),
        );
      return response;
    };
  });
  after(() => ps.close());

  const alice = () => ({ openid_identifier: `${ps.base}/id/alice` });

  test('verify(identifier, profile, done) with profile: true gets the signed SReg/AX profile', async () => {
    const rp = await app(
      { profile: true },
      (seen) => (identifier: string, profile: OpenIDProfile, done: VerifyDone) => {
        seen.identifier = identifier;
        seen.profile = profile;
        done(null, { id: identifier });
      },
    );
    try {
      const { cookie, url } = await loginRoundTrip(rp.base, '/auth/openid', alice());
      const res = await returnTo(url, cookie);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.deepEqual(await res.json(), { id: `${ps.base}/id/alice` });
      assert.deepEqual(rp.seen.profile, {
        displayName: 'Alice Liddell',
        emails: [{ value: 'alice@op.example' }],
        name: { familyName: 'Liddell', givenName: 'Alice' },
      });
    } finally {
      await rp.close();
    }
  });

  test('verify(identifier, done), stateless, and passReqToCallback (req, identifier, profile, pape, done)', async () => {
    const plain = await app({ stateless: true }, (seen) => (identifier: string, done: VerifyDone) => {
      seen.identifier = identifier;
      done(null, { id: identifier });
    });
    const withReq = await app(
      { passReqToCallback: true, profile: true },
      (seen) =>
        (
          req: express.Request,
          identifier: string,
          profile: OpenIDProfile,
          pape: OpenIDPape,
          done: VerifyDone,
        ) => {
          seen.viaReq = typeof req.get === 'function';
          seen.pape = pape;
          seen.profile = profile;
          done(null, { id: identifier });
        },
    );
    try {
      const a = await loginRoundTrip(plain.base, '/auth/openid', alice());
      assert.equal((await returnTo(a.url, a.cookie)).status, 303);
      assert.equal(plain.seen.identifier, `${ps.base}/id/alice`);
      const b = await loginRoundTrip(withReq.base, '/auth/openid', alice());
      assert.equal((await returnTo(b.url, b.cookie)).status, 303);
      assert.equal(withReq.seen.viaReq, true);
      assert.deepEqual(withReq.seen.pape, { authPolicies: [], authTime: null });
      assert.equal(withReq.seen.profile?.displayName, 'Alice Liddell');
    } finally {
      await plain.close();
      await withReq.close();
    }
  });

  test('replay, tampering, cancel and a refused user each fail (401), never succeed', async () => {
    let refuse = false;
    const rp = await app(
      {},
      () => (identifier: string, done: VerifyDone) =>
        refuse ? done(null, false, { message: 'unknown user' }) : done(null, { id: identifier }),
    );
    try {
      const a = await loginRoundTrip(rp.base, '/auth/openid', alice());
      assert.equal((await returnTo(a.url, a.cookie)).status, 303);
      const replay = await returnTo(a.url, a.cookie);
      assert.equal(replay.status, 401);
      assert.deepEqual(await replay.json(), {
        message: 'OpenID authentication failed',
        code: 'nonce_replay',
      });

      const b = await loginRoundTrip(rp.base, '/auth/openid', alice());
      const tampered = await returnTo(tamper(b.url, `${ps.base}/id/mallory`), b.cookie);
      assert.equal(tampered.status, 401);
      assert.equal(((await tampered.json()) as { code: string }).code.length > 0, true);

      const saved = ps.decision;
      ps.decision = 'deny';
      try {
        const c = await loginRoundTrip(rp.base, '/auth/openid', alice());
        const cancel = await returnTo(c.url, c.cookie);
        assert.deepEqual(await cancel.json(), { message: 'OpenID authentication canceled' });
      } finally {
        ps.decision = saved;
      }

      refuse = true;
      const d = await loginRoundTrip(rp.base, '/auth/openid', alice());
      const refused = await returnTo(d.url, d.cookie);
      assert.equal(refused.status, 401);
      assert.deepEqual(await refused.json(), { message: 'unknown user' });
    } finally {
      await rp.close();
    }
  });

  test('state lives in req.session when there is one (no state cookie)', async () => {
    const rp = await app(
      {},
      () => (identifier: string, done: VerifyDone) => done(null, { id: identifier }),
      true,
    );
    try {
      const start = await postLogin(rp.base, '/auth/openid', alice());
      assert.equal(start.status, 303);
      const cookies = start.headers.getSetCookie();
      assert.ok(!cookies.some((c) => c.startsWith('openid2_state=')));
      const sid = (cookies.find((c) => c.startsWith('sid=')) as string).split(';')[0] as string;
      const back = await fetch(start.headers.get('location') as string, { redirect: 'manual' });
      const url = back.headers.get('location') as string;
      assert.equal((await returnTo(url, sid)).status, 303);
      assert.equal((await returnTo(url, sid)).status, 401, 'the session state is used once');
    } finally {
      await rp.close();
    }
  });

  test('a form POST without the session cookie (SameSite=Lax) is posted again from the site, then completes', async () => {
    const rp = await app(
      {},
      () => (identifier: string, done: VerifyDone) => done(null, { id: identifier }),
      true,
    );
    try {
      const start = await postLogin(rp.base, '/auth/openid', alice());
      const sid = (start.headers.getSetCookie().find((c) => c.startsWith('sid=')) as string).split(
        ';',
      )[0] as string;
      const back = await fetch(start.headers.get('location') as string, { redirect: 'manual' });
      const u = new URL(back.headers.get('location') as string);
      const body = new URLSearchParams([...u.searchParams].filter(([k]) => k.startsWith('openid.')));
      const returnUrl = body.get('openid.return_to') as string;
      const page = await returnTo(returnUrl, null, body.toString());
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<input type="hidden" name="openid2_resubmit" value="1">/);
      body.append('openid2_resubmit', '1');
      assert.equal((await returnTo(returnUrl, sid, body.toString())).status, 303);
    } finally {
      await rp.close();
    }
  });

  test('SE-04: a user-typed identifier needs a same-site POST; a fixed providerURL allows GET', async () => {
    const rp = await app({}, () => (identifier: string, done: VerifyDone) => done(null, { id: identifier }));
    const fixed = await app(
      { providerURL: `${ps.base}/id/alice` },
      () => (identifier: string, done: VerifyDone) => done(null, { id: identifier }),
    );
    try {
      const get = await fetch(`${rp.base}/auth/openid?openid_identifier=${encodeURIComponent(ps.base)}`, {
        redirect: 'manual',
      });
      assert.equal(get.status, 405);
      assert.equal(
        (await postLogin(rp.base, '/auth/openid', alice(), { origin: 'https://evil.example' })).status,
        403,
      );
      const missing = await postLogin(rp.base, '/auth/openid', {});
      assert.deepEqual(await missing.json(), {
        message: 'Missing OpenID identifier',
        code: 'missing_identifier',
      });
      const viaGet = await fetch(`${fixed.base}/auth/openid`, { redirect: 'manual' });
      assert.equal(viaGet.status, 303);
      assert.ok((viaGet.headers.get('location') as string).startsWith(`${ps.base}/op?`));
    } finally {
      await rp.close();
      await fixed.close();
    }
  });
});

describe('Passport OpenIDStrategy with the Steam preset (passport-steam users)', () => {
  test('GET /auth/steam starts the login; the return gives verify the Steam claimed id; a replay fails', async () => {
    const steamOp = await startSteamProvider();
    const a = express();
    const server = await new Promise<Server>((r) => {
      const s = a.listen(0, '127.0.0.1', () => r(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const passport = new Passport();
    const rp = steamLogin({
      realm: `${base}/`,
      returnTo: `${base}/auth/steam/return`,
      fetch: { allowPrivateNetworks: true },
      opEndpoint: steamOp.endpoint,
      claimedIdPrefix: steamOp.claimedIdPrefix,
      checkAuthOrigin: STEAM_ORIGIN,
    });
    passport.use(
      new OpenIDStrategy({ relyingParty: rp, name: 'steam' }, (identifier: string, done: VerifyDone) =>
        done(null, { steamId: rp.steamIdFromClaimedId(identifier) }),
      ),
    );
    a.use(passport.initialize());
    const auth: express.RequestHandler = (req, res, next) =>
      passport.authenticate('steam', { session: false }, (err: unknown, user: unknown, info: unknown) => {
        if (err) return next(err);
        if (!user) return res.status(401).json(info);
        res.json(user);
      })(req, res, next);
    a.get('/auth/steam', auth);
    a.get('/auth/steam/return', auth);
    try {
      const start = await fetch(`${base}/auth/steam`, { redirect: 'manual' });
      assert.equal(start.status, 303);
      const cookie = (start.headers.getSetCookie()[0] as string).split(';')[0] as string;
      const atOp = await fetch(start.headers.get('location') as string, { redirect: 'manual' });
      const url = atOp.headers.get('location') as string;
      const done = await returnTo(url, cookie);
      assert.deepEqual(await done.json(), { steamId: steamOp.steamId });
      const replay = await returnTo(url, cookie);
      assert.equal(replay.status, 401);
      assert.equal(((await replay.json()) as { code: string }).code, 'nonce_replay');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await steamOp.close();
    }
  });
});
