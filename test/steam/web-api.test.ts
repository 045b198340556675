/**
 * The Steam Web API profile (GetPlayerSummaries v2) against a local server
 * answering like Steam's, including its error and hostile answers. Every
 * error must carry a code and never the API key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  parsePlayerSummaries,
  SteamProfileError,
  type SteamProfileErrorCode,
  steamProfileFetcher,
} from '../../src/steam/web-api.js';
import {
  playerOf,
  type SteamWebApi,
  startSteamWebApi,
  TEST_API_KEY,
  type WebApiMode,
} from '../helpers/steam-web-api.js';

const STEAM_ID = '76561197960435530';

/** Every way an error could show the key: message, stack, inspect (cause chain included), JSON. */
function assertNoKey(err: unknown): void {
  const shown = [
    String(err),
    (err as Error).stack ?? '',
    inspect(err, { depth: 5 }),
    JSON.stringify(err),
  ].join('\n');
  assert.ok(!shown.includes(TEST_API_KEY), `the key appears in: ${shown}`);
}

async function failureOf(p: Promise<unknown>): Promise<SteamProfileError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SteamProfileError, `not a SteamProfileError: ${inspect(err)}`);
    assertNoKey(err);
    return err;
  }
  assert.fail('expected a SteamProfileError');
}

describe('parsePlayerSummaries (the JSON shape of GetPlayerSummaries v2)', () => {
  const cases: [string, unknown, SteamProfileErrorCode | 'ok'][] = [
    ['the documented envelope with the player', { response: { players: [playerOf(STEAM_ID)] } }, 'ok'],
    [
      'the player among others',
      { response: { players: [playerOf('76561197960435531'), playerOf(STEAM_ID)] } },
      'ok',
    ],
    ['an empty player list', { response: { players: [] } }, 'steam_player_not_found'],
    [
      'only another player',
      { response: { players: [playerOf('76561197960435531')] } },
      'steam_player_not_found',
    ],
    ['no response envelope', { players: [playerOf(STEAM_ID)] }, 'steam_api_malformed'],
    ['players not a list', { response: { players: {} } }, 'steam_api_malformed'],
    ['null', null, 'steam_api_malformed'],
    [
      'a number for a steamid',
      { response: { players: [{ ...playerOf(STEAM_ID), steamid: Number(STEAM_ID) }] } },
      'steam_player_not_found',
    ],
    [
      'no personaname',
      { response: { players: [{ ...playerOf(STEAM_ID), personaname: undefined }] } },
      'steam_api_malformed',
    ],
    [
      'a javascript: avatar',
      { response: { players: [{ ...playerOf(STEAM_ID), avatar: 'javascript:alert(1)' }] } },
      'steam_api_malformed',
    ],
    [
      'a relative profileurl',
      { response: { players: [{ ...playerOf(STEAM_ID), profileurl: '/profiles/1' }] } },
      'steam_api_malformed',
    ],
  ];
  for (const [name, body, expected] of cases) {
    test(`${name}: ${expected}`, () => {
      if (expected === 'ok') {
        assert.equal(parsePlayerSummaries(body, STEAM_ID).steamid, STEAM_ID);
        return;
      }
      assert.throws(
        () => parsePlayerSummaries(body, STEAM_ID),
        (e: unknown) => e instanceof SteamProfileError && e.code === expected,
      );
    });
  }
});

describe('steamProfileFetcher against a local GetPlayerSummaries server', () => {
  let api: SteamWebApi;
  let elsewhere: SteamWebApi;

  before(async () => {
    api = await startSteamWebApi();
    elsewhere = await startSteamWebApi();
    api.redirectTo = elsewhere.apiUrl.replace(/\/$/, '');
  });
  after(async () => {
    await api.close();
    await elsewhere.close();
  });

  const profiles = (extra: { cacheSeconds?: number; nowMs?: () => number; timeoutMs?: number } = {}) =>
    steamProfileFetcher({
      apiKey: TEST_API_KEY,
      apiUrl: api.apiUrl,
      fetch: { allowPrivateNetworks: true, ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}) },
      ...(extra.cacheSeconds === undefined ? {} : { cacheSeconds: extra.cacheSeconds }),
      ...(extra.nowMs === undefined ? {} : { nowMs: extra.nowMs }),
    });

  test('returns passport-steam’s profile: provider, id, displayName, profileUrl, photos small/medium/full, _json', async () => {
    api.mode = 'ok';
    api.requests.length = 0;
    const profile = await profiles()(STEAM_ID);
    const hash = 'fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb';
    assert.equal(profile.provider, 'steam');
    assert.equal(profile.id, STEAM_ID);
    assert.equal(profile.displayName, 'Gabe Test');
    assert.equal(profile.profileUrl, `https://steamcommunity.com/profiles/${STEAM_ID}/`);
    assert.deepEqual(profile.photos, [
      { value: `https://avatars.steamstatic.com/${hash}.jpg` },
      { value: `https://avatars.steamstatic.com/${hash}_medium.jpg` },
      { value: `https://avatars.steamstatic.com/${hash}_full.jpg` },
    ]);
    assert.equal(profile._json.realname, 'Test Realname');
    assert.deepEqual(api.requests, [
      { path: '/ISteamUser/GetPlayerSummaries/v0002/', key: TEST_API_KEY, steamids: STEAM_ID },
    ]);
  });

  const hostile: [string, WebApiMode, SteamProfileErrorCode, number | null][] = [
    ['a missing player', 'missing_player', 'steam_player_not_found', null],
    ['a 403 for a bad key (HTML page)', 'bad_key', 'steam_api_bad_key', 403],
    ['a 429', 'rate_limited', 'steam_api_rate_limited', 429],
    ['a 500', 'server_error', 'steam_api_error', 500],
    ['HTML instead of JSON', 'html', 'steam_api_not_json', 200],
    ['truncated JSON', 'not_json', 'steam_api_malformed', 200],
    ['JSON of another shape', 'malformed', 'steam_api_malformed', null],
    ['a javascript: avatar URL', 'javascript_avatar', 'steam_api_malformed', null],
    ['a huge answer (4 MiB, past the 64 KiB cap)', 'huge', 'steam_api_too_large', null],
    ['a redirect to another host', 'redirect', 'steam_api_redirect', null],
  ];
  for (const [name, mode, code, status] of hostile) {
    test(`${name} is SteamProfileError ${code}, without the key`, async () => {
      api.mode = mode;
      const err = await failureOf(profiles()(STEAM_ID));
      assert.equal(err.code, code);
      if (status !== null) assert.equal(err.status, status);
    });
  }

  test('the redirect is not followed: the other host receives nothing (so never the key)', async () => {
    api.mode = 'redirect';
    elsewhere.requests.length = 0;
    await failureOf(profiles()(STEAM_ID));
    assert.equal(elsewhere.requests.length, 0);
  });

  test('a slow answer ends at the deadline as steam_api_timeout', async () => {
    api.mode = 'slow';
    const err = await failureOf(profiles({ timeoutMs: 300 })(STEAM_ID));
    assert.equal(err.code, 'steam_api_timeout');
  });

  test('a wrong key configured: steam_api_bad_key, and the message does not echo the key', async () => {
    api.mode = 'ok';
    const wrong = 'FFFFEEEEDDDDCCCCBBBBAAAA99998888';
    const err = await failureOf(
      steamProfileFetcher({ apiKey: wrong, apiUrl: api.apiUrl, fetch: { allowPrivateNetworks: true } })(
        STEAM_ID,
      ),
    );
    assert.equal(err.code, 'steam_api_bad_key');
    assert.ok(!inspect(err).includes(wrong));
  });

  test('an unreachable API host is steam_api_unreachable, without the key', async () => {
    const err = await failureOf(
      steamProfileFetcher({
        apiKey: TEST_API_KEY,
        apiUrl: 'http://127.0.0.1:9/',
        fetch: { allowPrivateNetworks: true },
      })(STEAM_ID),
    );
    assert.equal(err.code, 'steam_api_unreachable');
  });

  test('the SSRF guard still applies: a loopback API host without allowPrivateNetworks is refused, without the key', async () => {
    const err = await failureOf(steamProfileFetcher({ apiKey: TEST_API_KEY, apiUrl: api.apiUrl })(STEAM_ID));
    assert.equal(err.code, 'steam_api_unreachable');
    assert.match(err.message, /fetch_blocked/);
  });

  test('a SteamID64 that is not 17 digits is refused before any request (steam_id_invalid)', async () => {
    api.requests.length = 0;
    for (const bad of [
      '7656119796043553',
      '765611979604355300',
      '7656119796043553a',
      '76561197960435530&key=x',
      '',
    ]) {
      const err = await failureOf(profiles()(bad));
      assert.equal(err.code, 'steam_id_invalid');
    }
    assert.equal(api.requests.length, 0);
  });

  test('an empty or non-printable apiKey is refused at construction (steam_api_key_missing)', () => {
    for (const key of ['', 'abc def', 'abc\ndef']) {
      assert.throws(
        () => steamProfileFetcher({ apiKey: key, apiUrl: api.apiUrl }),
        (e: unknown) => e instanceof SteamProfileError && e.code === 'steam_api_key_missing',
      );
    }
  });

  test('with cacheSeconds a profile is fetched once within the window and again after it', async () => {
    api.mode = 'ok';
    api.requests.length = 0;
    let now = 1_000_000;
    const get = profiles({ cacheSeconds: 60, nowMs: () => now });
    const first = await get(STEAM_ID);
    first.displayName = 'changed by the app';
    const second = await get(STEAM_ID);
    assert.equal(second.displayName, 'Gabe Test', 'the cache hands out copies');
    assert.equal(api.requests.length, 1);
    now += 61_000;
    await get(STEAM_ID);
    assert.equal(api.requests.length, 2);
  });

  test('without cacheSeconds every call asks Steam; failures are never cached', async () => {
    api.requests.length = 0;
    const get = profiles();
    await get(STEAM_ID);
    await get(STEAM_ID);
    assert.equal(api.requests.length, 2);
    api.mode = 'rate_limited';
    const cached = profiles({ cacheSeconds: 60 });
    await failureOf(cached(STEAM_ID));
    api.mode = 'ok';
    assert.equal((await cached(STEAM_ID)).id, STEAM_ID);
  });
});
