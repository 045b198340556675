/**
 * The logins every runtime must pass, registered per runtime by
 * bun.test.ts, deno.test.ts and workerd.test.ts: a Steam-shaped login
 * through the Web handlers (check_authentication leaves the runtime), a
 * full login with discovery and a Diffie-Hellman association, and the
 * forged-assertion cases of the security suite that apply to a relying
 * party behind these handlers (SIG, AP, NO, IS families).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postLogin, returnTo, stateCookie, tamper } from '../adapters/browser-steps.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { STEAM_ORIGIN, type SteamProvider, startSteamProvider } from '../helpers/steam-op.js';
import { type RunningApp, type RuntimeKind, startApp, unavailable } from './harness.js';

const SECRET = 'runtime-test-secret-0123456789-abcdefghij';

/** Start a Steam login at the app; the return_to the provider would answer, and the state cookie. */
async function startSteam(base: string) {
  const start = await postLogin(base, '/auth/steam', {});
  assert.equal(start.status, 303, await start.clone().text());
  const location = new URL(start.headers.get('location') as string);
  const back = location.searchParams.get('openid.return_to');
  assert.ok(back, 'the request carries return_to');
  return { cookie: stateCookie(start), location: location.href, returnTo: back };
}

async function bodyOf(res: Response): Promise<string> {
  return res.clone().text();
}

/** `nodejsCompat: false` runs workerd with no Node layer at all (no node: modules, no Buffer, no process). */
export function registerRuntimeTests(kind: RuntimeKind, options: { nodejsCompat?: boolean } = {}): void {
  const skip = unavailable(kind);
  const label = options.nodejsCompat === false ? `${kind} without nodejs_compat` : kind;
  describe(`the Hono example in ${label}`, { skip }, () => {
    let steam: SteamProvider;
    let op: ProviderServer;
    let app: RunningApp;
    let base: string;

    before(async () => {
      steam = await startSteamProvider();
      op = await startProviderServer();
      const common = {
        OPENID2_SECRET: SECRET,
        ALLOW_PRIVATE_NETWORKS: '1',
        STEAM_OP_ENDPOINT: steam.endpoint,
        STEAM_CLAIMED_ID_PREFIX: steam.claimedIdPrefix,
        STEAM_CHECK_AUTH_ORIGIN: STEAM_ORIGIN,
      };
      app =
        kind === 'workerd'
          ? await startApp(
              kind,
              [
                { ...common, ALLOWED_PROVIDERS: op.endpoint },
                common,
                { ...common, ALLOW_DISCOVERY_WITHOUT_DNS_PINNING: '1' },
              ],
              options,
            )
          : await startApp(kind, [common]);
      base = app.bases[0] as string;
    });
    after(async () => {
      await app?.close();
      await steam?.close();
      await op?.close();
    });

    test('a Steam-shaped login through the Web handlers succeeds; check_authentication leaves the runtime', async () => {
      const before = steam.checkAuths.length;
      const { cookie, location } = await startSteam(base);
      const back = await browse(location);
      const res = await returnTo(back.url, cookie, back.body);
      assert.equal(res.status, 200, `${await bodyOf(res)}\n${app.output()}`);
      assert.equal(await res.text(), `Signed in as SteamID64 ${steam.steamId}\n`);
      assert.equal(steam.checkAuths.length, before + 1);
      assert.equal(steam.checkAuths.at(-1)?.origin, STEAM_ORIGIN);
    });

    test('forged (SIG): a claimed_id swapped for another SteamID after signing is refused', async () => {
      const { cookie, returnTo: back } = await startSteam(base);
      const forged = tamper(steam.assertion(back), `${steam.claimedIdPrefix}76561197960287930`);
      const res = await returnTo(forged, cookie);
      assert.equal(res.status, 401, await bodyOf(res));
    });

    test('forged (SIG): a signature that does not match is refused by the provider', async () => {
      const { cookie, returnTo: back } = await startSteam(base);
      const url = new URL(steam.assertion(back));
      const sig = url.searchParams.get('openid.sig') as string;
      url.searchParams.set('openid.sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
      const res = await returnTo(url.href, cookie);
      assert.equal(res.status, 401, await bodyOf(res));
    });

    test('forged (IS): a claimed_id the signature does not cover is refused', async () => {
      const { cookie, returnTo: back } = await startSteam(base);
      const unsigned = steam.assertion(back, {}, 'signed,op_endpoint,return_to,response_nonce,assoc_handle');
      const res = await returnTo(unsigned, cookie);
      assert.equal(res.status, 401, await bodyOf(res));
    });

    test('forged (AP): an assertion naming another OP endpoint is refused', async () => {
      const { cookie, returnTo: back } = await startSteam(base);
      const other = steam.assertion(back, { op_endpoint: 'https://steamcommunity.example/openid/login' });
      const res = await returnTo(other, cookie);
      assert.equal(res.status, 401, await bodyOf(res));
    });

    test('forged (NO): a replayed assertion is refused (the nonce is used once)', async () => {
      const { cookie, returnTo: back } = await startSteam(base);
      const url = steam.assertion(back);
      const first = await returnTo(url, cookie);
      assert.equal(first.status, 200, await bodyOf(first));
      const again = await returnTo(url, cookie);
      assert.equal(again.status, 401, await bodyOf(again));
    });

    test('a full login with discovery and a Diffie-Hellman association succeeds', async () => {
      const identifier = `${op.base}/id/alice`;
      const logBefore = op.log.length;
      const start = await postLogin(base, '/auth/openid', { openid_identifier: identifier });
      assert.equal(start.status, 303, `${await bodyOf(start)}\n${app.output()}`);
      const cookie = stateCookie(start);
      const back = await browse(start.headers.get('location') as string);
      const res = await returnTo(back.url, cookie, back.body);
      assert.equal(res.status, 200, `${await bodyOf(res)}\n${app.output()}`);
      assert.equal(await res.text(), `Signed in as ${identifier}\n`);
      const modes = op.log.slice(logBefore);
      assert.ok(modes.includes('associate'), `modes seen by the provider: ${modes.join(', ')}`);
      assert.ok(!modes.includes('check_authentication'), 'the association signed it, no stateless check');
    });

    test('forged (SIG): a discovered login whose claimed id is swapped after signing is refused', async () => {
      const start = await postLogin(base, '/auth/openid', { openid_identifier: `${op.base}/id/alice` });
      assert.equal(start.status, 303, await bodyOf(start));
      const cookie = stateCookie(start);
      const back = await browse(start.headers.get('location') as string);
      const res = await returnTo(tamper(back.url, `${op.base}/id/mallory`), cookie, back.body);
      assert.equal(res.status, 401, await bodyOf(res));
    });

    if (kind === 'workerd') {
      test('without DNS pinning, discovery is refused unless the app names its providers or opts in', async () => {
        const refused = await postLogin(app.bases[1] as string, '/auth/openid', {
          openid_identifier: `${op.base}/id/alice`,
        });
        assert.notEqual(refused.status, 303);
        assert.match(await refused.text(), /discovery_refused|cannot pin DNS/);
        // Steam names its endpoint: it works on the same instance.
        const steamStart = await postLogin(app.bases[1] as string, '/auth/steam', {});
        assert.equal(steamStart.status, 303, await bodyOf(steamStart));
      });

      test('allowDiscoveryWithoutDnsPinning lets any OpenID log in, with the weaker guard', async () => {
        const optIn = app.bases[2] as string;
        const start = await postLogin(optIn, '/auth/openid', { openid_identifier: `${op.base}/id/bob` });
        assert.equal(start.status, 303, `${await bodyOf(start)}\n${app.output()}`);
        const cookie = stateCookie(start);
        const back = await browse(start.headers.get('location') as string);
        const res = await returnTo(back.url, cookie, back.body);
        assert.equal(res.status, 200, await bodyOf(res));
        assert.equal(await res.text(), `Signed in as ${op.base}/id/bob\n`);
      });
    } else {
      test('discovery needs no named providers here: node:http pins DNS in this runtime', async () => {
        const start = await postLogin(base, '/auth/openid', { openid_identifier: `${op.base}/id/carol` });
        assert.equal(start.status, 303, `${await bodyOf(start)}\n${app.output()}`);
      });
    }
  });
}
