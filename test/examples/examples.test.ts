/** The README's examples run: the example relying party logs in at the example provider over HTTP. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { start as startProvider } from '../../examples/provider.js';
import { start as startRp } from '../../examples/relying-party.js';

describe('examples', () => {
  test('examples/relying-party.ts signs in at examples/provider.ts', async () => {
    const op = await startProvider(0);
    const rp = await startRp(0, { allowPrivateNetworks: true });
    try {
      const begin = await fetch(`${rp.url}/login?openid=${encodeURIComponent(`${op.url}/id/alice`)}`, {
        redirect: 'manual',
      });
      assert.equal(begin.status, 302);
      const cookie = (begin.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const atOp = await fetch(begin.headers.get('location') as string, { redirect: 'manual' });
      assert.equal(atOp.status, 302);
      const back = await fetch(atOp.headers.get('location') as string, { headers: { cookie } });
      assert.equal(back.status, 200, await back.clone().text());
      assert.deepEqual(await back.json(), { claimedId: `${op.url}/id/alice`, nickname: null });
    } finally {
      await rp.close();
      await op.close();
    }
  });
});
