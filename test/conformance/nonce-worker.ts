/** Child process of the multi-process nonce test: N concurrent useNonce calls, prints how many were true. */
import { openStore } from '../../src/drivers/open.js';

const [url, ts, salt, n] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore(url, {
  keyPrefix: process.env['OPENID2_KEY_PREFIX'] ?? 'openid2:',
  tablePrefix: 'openid2_',
});
const results = await Promise.all(
  Array.from({ length: Number(n) }, () => store.useNonce('https://op.example/server', Number(ts), salt)),
);
process.stdout.write(`${results.filter(Boolean).length}\n`);
await store.close?.();
