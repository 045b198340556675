/**
 * A local identity server (127.0.0.1, port 0) serving every discovery
 * variation the discovery tests need: XRDS by content type, header and meta
 * tag, HTML links, redirects, 1.x and 2.0, OP identifiers, an XRI proxy
 * resolver, and hostile pages (XXE, billion laughs, 50 MiB, drip, loops,
 * redirects into the network).
 */
import {
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
  TYPE_OPENID_1_0,
  TYPE_OPENID_1_1,
} from '../../../src/protocol/constants.js';
import { startServer, type TestServer } from './server.js';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** An XRDS document with the given Service elements (and CanonicalID). */
export function xrdsDoc(services: string, canonicalId?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0"><XRD>' +
    (canonicalId ? `<CanonicalID>${canonicalId}</CanonicalID>` : '') +
    `${services}</XRD></xrds:XRDS>`
  );
}

const SIGNON_XRDS = xrdsDoc(
  `<Service priority="10"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://op.example/server</URI>` +
    '<LocalID>https://op.example/u/alice</LocalID></Service>',
);
const BOTH_XRDS = xrdsDoc(
  `<Service priority="0"><Type>${TYPE_OPENID_1_1}</Type><URI>https://op1.example/server</URI>` +
    '<openid:Delegate>https://op1.example/alice</openid:Delegate></Service>' +
    `<Service priority="10"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://op2.example/server</URI></Service>`,
);
const OP_XRDS = xrdsDoc(
  `<Service><Type>${TYPE_OP_IDENTIFIER}</Type><URI>https://op.example/server</URI></Service>`,
);
const EMPTY_XRDS = xrdsDoc(
  '<Service><Type>http://example.com/other</Type><URI>https://x.example/</URI></Service>',
);
const XXE_XRDS =
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type>` +
  '<URI>&xxe;</URI></Service></XRD></xrds:XRDS>';
const LOL_XRDS = (() => {
  let entities = '<!ENTITY l0 "lol">';
  for (let i = 1; i <= 9; i++) entities += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE x [${entities}]><xrds:XRDS xmlns:xrds="xri://$xrds">&l9;</xrds:XRDS>`;
})();

/** An HTML identity page with the given head content. */
export function page(headContent: string): string {
  return `<!DOCTYPE html><html><head><title>identity</title>${headContent}</head><body>hi</body></html>`;
}
/** A page with OpenID 2.0 links. */
export const HTML2 = page(
  '<link rel="openid2.provider" href="https://op.example/server"><link rel="openid2.local_id" href="https://op.example/u/alice">',
);
const HTML_BOTH = page(
  '<link rel="openid.server openid2.provider" href="https://op.example/server">' +
    '<link rel="openid.delegate openid2.local_id" href="https://op.example/u/alice">',
);
/** A page with an OpenID 1.1 link. */
export const HTML1 = page('<link rel="openid.server" href="https://op1.example/server">');

/** The identity server and how much of the 50 MiB page it managed to write. */
export interface IdentityServer extends TestServer {
  hugeWritten(): number;
}

/** Starts the identity server. */
export async function startIdentityServer(): Promise<IdentityServer> {
  let hugeWritten = 0;
  const server = await startServer((req, res, base) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (
      status: number,
      type: string | null,
      body: string,
      extra: Record<string, string> = {},
    ): void => {
      res.writeHead(status, { ...(type ? { 'content-type': type } : {}), ...extra });
      res.end(body);
    };
    const xrdsType = 'application/xrds+xml';
    switch (path) {
      case '/doc/signon.xrds':
        return send(200, xrdsType, SIGNON_XRDS);
      case '/doc/empty.xrds':
        return send(200, xrdsType, EMPTY_XRDS);
      case '/doc/broken.xrds':
        return send(200, xrdsType, '<xrds:XRDS xmlns:xrds="xri://$xrds"><unclosed>');
      case '/xrds-ct':
        return send(200, `${xrdsType}; charset=utf-8`, SIGNON_XRDS);
      case '/xrds-header':
        return send(200, 'text/html', page(''), { 'X-XRDS-Location': `${base}/doc/signon.xrds` });
      case '/xrds-meta':
        return send(200, 'text/html', page('<meta http-equiv="X-XRDS-Location" content="/doc/signon.xrds">'));
      case '/html-only':
        return send(200, 'text/html; charset=utf-8', HTML2);
      case '/untyped':
        return send(200, null, HTML2);
      case '/both-html':
        return send(200, 'text/html', HTML_BOTH);
      case '/both-xrds':
        return send(200, xrdsType, BOTH_XRDS);
      case '/op':
        return send(200, xrdsType, OP_XRDS);
      case '/redirect':
        return send(302, null, '', { location: '/html-only' });
      case '/redirect-twice':
        return send(301, null, '', { location: `${base}/redirect` });
      case '/redirect-fragment':
        return send(302, null, '', { location: '/html-only#frag' });
      case '/dir/relative':
        return send(200, 'text/html', page('<link rel="openid2.provider" href="../server">'));
      case '/to-relative':
        return send(302, null, '', { location: '/dir/relative' });
      case '/yadis-empty':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/doc/empty.xrds' });
      case '/xrds-broken':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/doc/broken.xrds' });
      case '/xrds-broken-nolinks':
        return send(200, 'text/html', page(''), { 'x-xrds-location': '/doc/broken.xrds' });
      case '/xxe':
        return send(200, xrdsType, XXE_XRDS);
      case '/xxe-behind-html':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/xxe' });
      case '/lol':
        return send(200, xrdsType, LOL_XRDS);
      case '/xrds-location-internal':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': 'http://10.0.0.5/admin' });
      case '/image':
        return send(200, 'image/png', 'PNG');
      case '/nothing':
        return send(200, 'text/html', page(''));
      case '/gone':
        return send(404, 'text/html', HTML2);
      case '/loop':
        return send(302, null, '', { location: '/loop' });
      case '/to-local':
        return send(302, null, '', { location: `${base}/html-only` });
      case '/to-metadata':
        return send(302, null, '', { location: 'http://169.254.169.254/latest/meta-data/' });
      case '/to-file':
        return send(302, null, '', { location: 'file:///etc/passwd' });
      case '/huge': {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        hugeWritten = 0;
        res.writeHead(200, { 'content-type': 'text/html' });
        const pump = (): void => {
          while (hugeWritten < 50 * MiB && !res.destroyed) {
            hugeWritten += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case '/drip': {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head>');
        const timer = setInterval(() => res.write(' '), 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/=smoker':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service priority="10"><Type>${TYPE_OPENID_1_0}</Type><URI>https://www.myopenid.example/server</URI>` +
              '<openid:Delegate>https://smoker.myopenid.example/</openid:Delegate></Service>' +
              `<Service priority="20"><Type>${TYPE_OPENID_1_0}</Type><URI>https://lj.example/openid</URI>` +
              '<openid:Delegate>https://frank.lj.example/</openid:Delegate></Service>',
            '=!1000',
          ),
        );
      case '/=smoker*bad':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service><Type>${TYPE_OPENID_1_0}</Type><URI>https://vroom.example/server</URI></Service>`,
          ),
        );
      case '/=spoof':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://evil.example/</URI></Service>`,
            '@!1',
          ),
        );
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
  return Object.assign(server, { hugeWritten: () => hugeWritten });
}
