/**
 * The Steam Web API key appears in no error, log, debug line or
 * diagnostics-channel message: a child process with NODE_DEBUG=openid2
 * (test/steam/fixtures/key-probe.ts) makes calls that succeed and fail and
 * prints everything; its whole output must not contain the key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_API_KEY } from '../helpers/steam-web-api.js';

test('with NODE_DEBUG=openid2 and every diagnostics channel subscribed, the key is never written', () => {
  const probe = fileURLToPath(new URL('./fixtures/key-probe.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', probe], {
    env: { ...process.env, NODE_DEBUG: 'openid2' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  // The probe ran every case (so the check below looked at real errors).
  assert.match(
    output,
    /probe codes: ok:76561197960435530,steam_api_bad_key,steam_api_rate_limited,steam_api_not_json,steam_api_redirect,steam_api_timeout,steam_api_too_large,steam_player_not_found/,
  );
  assert.ok(!output.includes(TEST_API_KEY), 'the API key was written');
});
