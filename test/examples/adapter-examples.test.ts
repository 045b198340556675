/** The adapter examples the README quotes run: Steam in Express against a Steam-shaped provider, the Web RP against examples/provider.ts. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { start as startProvider } from '../../examples/provider.js';
import { start as startSteamExample } from '../../examples/steam-express.js';
import { start as startWebRp } from '../../examples/web-rp.js';
import { browse } from '../helpers/op-server.js';
import { STEAM_ORIGIN, startSteamProvider } from '../helpers/steam-op.js';

async function signIn(site: string, path: string, fields: Record<string, string>) {
  const start = await fetch(`${site}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: site, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  assert.equal(start.status, 303, await start.clone().text());
  const cookie = (start.headers.getSetCookie()[0] as string).split(';')[0] as string;
  const back = await browse(start.headers.get('location') as string);
  const done = await fetch(back.url, { redirect: 'manual', headers: { cookie } });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
  return fetch(new URL(done.headers.get('location') as string, site));
}

describe('adapter examples', () => {
  test('examples/steam-express.ts signs in through a Steam-shaped provider and shows the SteamID64', async () => {
    const steam = await startSteamProvider();
    const app = await startSteamExample(0, {
      opEndpoint: steam.endpoint,
      claimedIdPrefix: steam.claimedIdPrefix,
      checkAuthOrigin: STEAM_ORIGIN,
      fetch: { allowPrivateNetworks: true },
    });
    try {
      const page = await signIn(app.url, '/auth/steam', {});
      assert.equal(await page.text(), `Signed in as SteamID64 ${steam.steamId}\n`);
    } finally {
      await app.close();
      await steam.close();
    }
  });

  test('examples/web-rp.ts signs in at examples/provider.ts', async () => {
    const op = await startProvider(0);
    const rp = await startWebRp(0, { allowPrivateNetworks: true });
    try {
      const page = await signIn(rp.url, '/login', { openid_identifier: `${op.url}/id/alice` });
      assert.equal(await page.text(), `Hello, ${op.url}/id/alice\n`);
    } finally {
      await rp.close();
      await op.close();
    }
  });
});
