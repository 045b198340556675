/**
 * Child process of the single-use tests: N concurrent attempts at one
 * assertion, printing how many were accepted.
 * - `check-auth <storeUrl> <endpoint> <n>`: a Provider on the shared store
 *   answers N check_authentication requests (the `openid.*` fields come as
 *   JSON on the env OPENID2_ARGS); prints how many said is_valid:true.
 * - `rp <returnTo> <n>`: a stateless relying party (store: null) completes
 *   the arrival URL (env OPENID2_URL, state OPENID2_STATE) N times; prints
 *   how many were successes.
 * Both wait for the env OPENID2_GO file to exist, so the processes start together.
 */
import { existsSync } from 'node:fs';
import { openStore } from '../../src/drivers/open.js';
import { Provider } from '../../src/op/provider.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';

const [mode, a, b, n] = process.argv.slice(2) as [string, string, string, string];
const env = (k: string) => process.env[k] ?? '';
const go = async () => {
  const until = Date.now() + 30_000;
  while (!existsSync(env('OPENID2_GO')) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
};

if (mode === 'check-auth') {
  const store = await openStore(a, { keyPrefix: env('OPENID2_KEY_PREFIX') || 'openid2:' });
  const op = new Provider({ endpoint: b, store });
  const args = JSON.parse(env('OPENID2_ARGS')) as Record<string, string>;
  process.stdout.write('ready\n');
  await go();
  const answers = await Promise.all(
    Array.from({ length: Number(n) }, async () => {
      const req = op.decodeRequest(args);
      if (req?.mode !== 'check_authentication') return 'none';
      const web = await op.encodeResponse(await op.handleRequest(req));
      return Message.fromKVForm(web.body).get(OPENID_NS, 'is_valid');
    }),
  );
  process.stdout.write(`${answers.filter((x) => x === 'true').length}\n`);
  await store.close?.();
} else {
  const rp = new RelyingParty({
    realm: new URL(a).origin + '/',
    returnTo: a,
    secret: env('OPENID2_SECRET'),
    store: null,
    fetch: { allowPrivateNetworks: true, timeoutMs: 20_000 },
  });
  process.stdout.write('ready\n');
  await go();
  const results = await Promise.all(
    Array.from({ length: Number(b) }, () => rp.complete(env('OPENID2_URL'), { state: env('OPENID2_STATE') })),
  );
  process.stdout.write(`${results.filter((r) => r.status === 'success').length}\n`);
}
