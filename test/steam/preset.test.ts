/**
 * steamLogin(): passport-steam's option names, the Web API profile on the
 * relying party, and the preset as options (it replaces no relying-party step).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenIDError } from '../../src/protocol/errors.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import {
  STEAM_OP_ENDPOINT,
  SteamProfileError,
  SteamRelyingParty,
  steamFixedProvider,
  steamLogin,
} from '../../src/steam/index.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { type SteamWebApi, startSteamWebApi, TEST_API_KEY } from '../helpers/steam-web-api.js';

const shared = () => ({ store: new MemoryStore(), secret: 'k'.repeat(40) });

describe('steamLogin options', () => {
  test('returnURL (passport-steam’s name) and returnTo are the same option; realm defaults to the origin', () => {
    const a = steamLogin({ returnURL: 'https://app.example/auth/steam/return', ...shared() });
    const b = steamLogin({ returnTo: 'https://app.example/auth/steam/return', ...shared() });
    assert.equal(a.returnTo, 'https://app.example/auth/steam/return');
    assert.equal(a.realm, 'https://app.example/');
    assert.equal(b.returnTo, a.returnTo);
  });
  test('returnTo and returnURL that differ, or neither, are refused (invalid_option)', () => {
    for (const o of [{ returnTo: 'https://a.example/r', returnURL: 'https://a.example/s' }, {}]) {
      assert.throws(
        () => steamLogin({ ...o, ...shared() }),
        (e: unknown) => e instanceof OpenIDError && e.code === 'invalid_option',
      );
    }
  });
  test('the preset is the fixedProvider option: Steam’s endpoint, an anchored 17-digit pattern, Steam’s origin', () => {
    const f = steamFixedProvider();
    assert.equal(f.opEndpoint, STEAM_OP_ENDPOINT);
    assert.equal(f.checkAuthOrigin, 'https://steamcommunity.com');
    assert.equal(f.claimedIdsWithoutDiscovery, true);
    assert.ok(f.claimedIdPattern.test('https://steamcommunity.com/openid/id/76561197960435530'));
    for (const bad of [
      'http://steamcommunity.com/openid/id/76561197960435530',
      'https://steamcommunity.com/openid/id/7656119796043553',
      'https://steamcommunity.com/openid/id/76561197960435530/',
      'https://steamcommunityXcom/openid/id/76561197960435530',
    ])
      assert.equal(f.claimedIdPattern.test(bad), false, bad);
  });
  test('SteamRelyingParty overrides no step of RelyingParty (begin, complete, discovery stay one path)', () => {
    const own = Object.getOwnPropertyNames(SteamRelyingParty.prototype);
    const base = new Set(Object.getOwnPropertyNames(RelyingParty.prototype));
    assert.deepEqual(
      own.filter((name) => name !== 'constructor' && base.has(name)),
      [],
    );
    const steam = steamLogin({ returnURL: 'https://app.example/r', ...shared() });
    assert.equal(steam.needsUserInput, false);
  });
});

describe('steam.profile()', () => {
  let api: SteamWebApi;
  before(async () => {
    api = await startSteamWebApi();
  });
  after(() => api.close());

  test('with apiKey, the profile of a SteamID64 from the local GetPlayerSummaries server', async () => {
    const steam = steamLogin({
      returnURL: 'https://app.example/r',
      apiKey: TEST_API_KEY,
      apiUrl: api.apiUrl,
      fetch: { allowPrivateNetworks: true },
      ...shared(),
    });
    assert.equal(steam.hasApiKey, true);
    const p = await steam.profile('76561197960435530');
    assert.deepEqual([p.provider, p.id, p.displayName], ['steam', '76561197960435530', 'Gabe Test']);
  });
  test('with profileCacheSeconds the second call is served from the cache', async () => {
    api.requests.length = 0;
    const steam = steamLogin({
      returnURL: 'https://app.example/r',
      apiKey: TEST_API_KEY,
      apiUrl: api.apiUrl,
      profileCacheSeconds: 30,
      fetch: { allowPrivateNetworks: true },
      ...shared(),
    });
    await steam.profile('76561197960435530');
    await steam.profile('76561197960435530');
    assert.equal(api.requests.length, 1);
  });
  test('without apiKey, profile() throws SteamProfileError steam_api_key_missing and asks nobody', async () => {
    api.requests.length = 0;
    const steam = steamLogin({ returnURL: 'https://app.example/r', apiUrl: api.apiUrl, ...shared() });
    assert.equal(steam.hasApiKey, false);
    await assert.rejects(
      steam.profile('76561197960435530'),
      (e: unknown) => e instanceof SteamProfileError && e.code === 'steam_api_key_missing',
    );
    assert.equal(api.requests.length, 0);
  });
});
