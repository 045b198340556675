/**
 * A local server answering like the Steam Web API's
 * `ISteamUser/GetPlayerSummaries/v0002/?key=…&steamids=…` (written from
 * Valve's documentation of the call), with hostile modes for the error tests.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_API_KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';

export type WebApiMode =
  | 'ok'
  | 'missing_player'
  | 'bad_key'
  | 'rate_limited'
  | 'server_error'
  | 'html'
  | 'slow'
  | 'huge'
  | 'redirect'
  | 'malformed'
  | 'not_json'
  | 'javascript_avatar';

export interface SteamWebApi {
  /** Base URL, for the `apiUrl` option. */
  apiUrl: string;
  mode: WebApiMode;
  /** Where `redirect` sends the client. */
  redirectTo: string;
  /** Every request: path and the key / steamids it carried. */
  requests: { path: string; key: string | null; steamids: string | null }[];
  close(): Promise<void>;
}

/** The player the API knows for a SteamID64 (values as Steam writes them). */
export function playerOf(steamid: string): Record<string, unknown> {
  const hash = 'fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb';
  return {
    steamid,
    communityvisibilitystate: 3,
    profilestate: 1,
    personaname: 'Gabe Test',
    profileurl: `https://steamcommunity.com/profiles/${steamid}/`,
    avatar: `https://avatars.steamstatic.com/${hash}.jpg`,
    avatarmedium: `https://avatars.steamstatic.com/${hash}_medium.jpg`,
    avatarfull: `https://avatars.steamstatic.com/${hash}_full.jpg`,
    avatarhash: hash,
    personastate: 0,
    realname: 'Test Realname',
    primaryclanid: '103582791429521408',
    timecreated: 1063407589,
    personastateflags: 0,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

export async function startSteamWebApi(): Promise<SteamWebApi> {
  const api: Omit<SteamWebApi, 'apiUrl' | 'close'> = { mode: 'ok', redirectTo: '', requests: [] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.searchParams.get('key');
    const steamids = url.searchParams.get('steamids');
    api.requests.push({ path: url.pathname, key, steamids });
    if (url.pathname !== '/ISteamUser/GetPlayerSummaries/v0002/') return json(res, 404, {});
    if (key !== TEST_API_KEY || api.mode === 'bad_key') {
      // What Steam sends for a wrong key: 403 and an HTML page.
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>Forbidden</title></head><body><h1>Forbidden</h1>Access is denied. Retrying will not help. Please verify your <pre>key=</pre> parameter.</body></html>',
      );
      return;
    }
    const ids = (steamids ?? '').split(',').filter((s) => s !== '');
    switch (api.mode) {
      case 'ok':
        return json(res, 200, { response: { players: ids.map(playerOf) } });
      case 'missing_player':
        return json(res, 200, { response: { players: [] } });
      case 'rate_limited':
        res.writeHead(429, { 'content-type': 'text/html' });
        return void res.end('<html><body>Too Many Requests</body></html>');
      case 'server_error':
        return json(res, 500, { response: {} });
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
        return void res.end('<!DOCTYPE html><html><body>Steam is down for maintenance</body></html>');
      case 'not_json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"response": {');
      case 'malformed':
        return json(res, 200, { players: ids.map(playerOf) });
      case 'javascript_avatar':
        return json(res, 200, {
          response: { players: ids.map((id) => ({ ...playerOf(id), avatarfull: 'javascript:alert(1)' })) },
        });
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const pad = 'x'.repeat(64 * 1024);
        res.write('{"response":{"players":[');
        for (let i = 0; i < 64; i++) res.write(`{"steamid":"0","pad":"${pad}"},`);
        return void res.end(`${JSON.stringify(playerOf(ids[0] ?? '0'))}]}}`);
      }
      case 'slow':
        // Never answers; the client's deadline must end it (the server closes it on close()).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"response":');
        return;
      case 'redirect':
        res.writeHead(302, { location: `${api.redirectTo}${url.pathname}${url.search}` });
        return void res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return Object.assign(api, {
    apiUrl,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  }) as SteamWebApi;
}
