/**
 * A login whose response arrives at another return_to, run as a child
 * process by debug-log.test.ts with NODE_DEBUG=openid2. Prints the login's
 * secrets as JSON on stdout (the debug lines go to stderr).
 */
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, startProviderServer } from '../helpers/op-server.js';

const ps = await startProviderServer();
const store = new MemoryStore();
const rp = new RelyingParty({
  realm: 'http://rp.example/',
  returnTo: 'http://rp.example/return',
  secret: 'k'.repeat(40),
  store,
  fetch: { allowPrivateNetworks: true },
});
const auth = await rp.begin(`${ps.base}/id/alice`);
const back = await browse(auth.redirectUrl);
const moved = back.url.replace('http://rp.example/return', 'http://rp.example/elsewhere');
const result = await rp.complete(moved, { state: auth.state });
const assoc = await store.getAssociation(ps.endpoint);
process.stdout.write(
  JSON.stringify({
    status: result.status,
    code: result.status === 'failure' ? result.code : null,
    secrets: [
      auth.state,
      new URL(back.url).searchParams.get('openid.sig'),
      assoc ? Buffer.from(assoc.secret).toString('base64') : null,
    ],
  }),
);
await ps.close();
