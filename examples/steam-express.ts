/**
 * "Sign in through Steam" in Express: a button that POSTs to /auth/steam,
 * and the return route that reads the verified SteamID64.
 * Run: `node --import tsx examples/steam-express.ts` (then open http://127.0.0.1:3003/).
 * The test suite runs it against a local provider shaped like Steam's (the `steam` option).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressRp } from 'openid2/express';
import { type SteamLoginOptions, steamIdOf, steamLogin } from 'openid2/steam';

export async function start(port = 3003, steam: Partial<SteamLoginOptions> = {}) {
  const app = express();
  const server = app.listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const rp = steamLogin({ realm: `${base}/`, returnTo: `${base}/auth/steam/return`, ...steam });
  const { login, callback } = expressRp(rp, {
    onSuccess: (result, _req, res) => {
      // Sign the user in here (e.g. req.session.steamId = ...), then redirect.
      res.redirect(303, `/welcome?steamid=${steamIdOf(result, rp)}`);
      return undefined;
    },
    onFailure: (result) => {
      const code = result.status === 'failure' ? result.code : result.status;
      console.warn(
        `steam sign-in failed: ${code}${result.status === 'failure' ? `: ${result.message}` : ''}`,
      );
      return `/?failed=${code}`;
    },
  });
  app.get('/', (_req, res) => {
    res.send('<form method="post" action="/auth/steam"><button>Sign in through Steam</button></form>');
  });
  app.post('/auth/steam', login);
  app.get('/auth/steam/return', callback);
  app.get('/welcome', (req, res) => {
    res.type('text/plain').send(`Signed in as SteamID64 ${String(req.query.steamid).replace(/\D/g, '')}\n`);
  });
  return { url: base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start();
  console.log(`open ${url}/`);
}
