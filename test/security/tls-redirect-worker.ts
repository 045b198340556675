/**
 * Child process of TL-02's redirect case: run with NODE_EXTRA_CA_CERTS naming
 * the test's self-signed certificate, so the https hop verifies and the
 * downgrade is what gets refused. Prints the relying party's error code.
 */
import { RelyingParty } from '../../src/rp/relying-party.js';

const [identifier] = process.argv.slice(2) as [string];
const rp = new RelyingParty({
  realm: 'https://rp.example/',
  returnTo: 'https://rp.example/openid/return',
  secret: 'tls-redirect-worker-secret-0123456789abcdef',
  fetch: { allowPrivateNetworks: true, requireHttps: true, timeoutMs: 5000 },
});
try {
  await rp.begin(identifier);
  process.stdout.write('no error\n');
} catch (e) {
  process.stdout.write(`${(e as { code?: string }).code ?? String(e)}\n`);
}
