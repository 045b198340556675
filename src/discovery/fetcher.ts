/**
 * The HTTP fetcher every outbound request of openid2 goes through:
 * discovery (GET), and the relying party's direct requests (POST of
 * associate and check_authentication). Secure by default: http/https only,
 * an SSRF guard on every hop, size, time, redirect and header limits.
 *
 * Why node:http/https and not the platform `fetch`: pinning the connection
 * to the address the guard vetted needs a custom connector. Node's bundled
 * undici is not importable, so platform `fetch` would need the `undici`
 * package as a new runtime dependency just to pass a dispatcher;
 * node:http's `lookup` option does the pinning with no dependency, and
 * `maxHeaderSize` caps headers per request. The public shape stays Web
 * types (`Headers`, `Uint8Array`, `URLSearchParams`).
 *
 * @see OpenID Authentication 2.0 §5.1 (direct communication), §7.3 (discovery)
 */

import type * as Dns from 'node:dns/promises';
import { redactUrl, trace } from '../diagnostics/index.js';
import { isIP } from '../platform/ip.js';
import { requireNodeBuiltin } from '../platform/node-builtins.js';
import { FetchError } from '../protocol/errors.js';
import { classifyAddress, matchesHostRules, parseHostRules } from './address-policy.js';
import { decodeBody } from './charset.js';
import { performHop } from './http-hop.js';
import { nextHop } from './redirect.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  /** An IPv4 or IPv6 address in text form. */
  readonly address: string;
  /** 4 or 6; derived from `address` when omitted. */
  readonly family?: 4 | 6;
}

/** Options of {@link createFetcher}. Every limit has a safe default. */
export interface FetchOptions {
  /** Total time budget for one fetch, redirects and DNS included. Default 10 000 ms. */
  timeoutMs?: number;
  /** Most body bytes read (after decompression); past it the fetch fails. Default 1 MiB. */
  maxBytes?: number;
  /** Most redirects followed; each hop is checked again. Default 5. */
  maxRedirects?: number;
  /** Most bytes of response headers. Default 16 KiB. */
  maxHeaderBytes?: number;
  /**
   * Lets requests reach loopback, private, link-local and other non-global
   * addresses. For tests and intranets only: it turns the SSRF guard off.
   */
  allowPrivateNetworks?: boolean;
  /**
   * Hosts exempt from the private-address check (an intranet OP): a host
   * name, `*.example.com` for its subdomains, an IP address or CIDR range.
   */
  allowHosts?: readonly string[];
  /** Hosts always refused, in the same forms as `allowHosts`. */
  denyHosts?: readonly string[];
  /** Refuse plain http on every hop (including redirects). Default false. */
  requireHttps?: boolean;
  /** User-Agent header. Default `openid2`. */
  userAgent?: string;
  /** DNS resolution, injectable for tests. Default: the system resolver (all addresses). */
  lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

/** A request through a {@link Fetcher}. */
export interface FetchRequest {
  /** Default GET. */
  method?: 'GET' | 'POST';
  /** Extra request headers (e.g. `accept`). */
  headers?: Readonly<Record<string, string>>;
  /** A POST body; URLSearchParams are sent as application/x-www-form-urlencoded. */
  body?: string | URLSearchParams;
  /** Cancels the fetch. */
  signal?: AbortSignal;
}

/** A complete, size-capped response. Non-2xx statuses are returned, not thrown. */
export interface FetchResponse {
  /** The final URL, after redirects. */
  readonly url: string;
  /** HTTP status of the final response. */
  readonly status: number;
  /** Headers of the final response. */
  readonly headers: Headers;
  /** The body, at most `maxBytes`. */
  readonly body: Uint8Array;
  /** The body decoded with the BOM / Content-Type charset, UTF-8 by default; never throws. */
  text(): string;
}

/**
 * Fetches a URL. Injectable wherever openid2 does I/O (`discover`,
 * `RelyingParty`), so tests and applications can swap it.
 */
export type Fetcher = (url: string, init?: FetchRequest) => Promise<FetchResponse>;

/** The defaults of {@link FetchOptions}. */
export const FETCH_DEFAULTS = Object.freeze({
  /** Whole-request deadline, milliseconds. */
  timeoutMs: 10_000,
  /** Largest body read, bytes. */
  maxBytes: 1024 * 1024,
  /** Redirects followed. */
  maxRedirects: 5,
  /** Largest response header block, bytes. */
  maxHeaderBytes: 16 * 1024,
  /** `User-Agent` header sent. */
  userAgent: 'openid2',
});

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers never carried to another origin on a redirect. */

async function systemLookup(hostname: string): Promise<readonly ResolvedAddress[]> {
  // Fetched at call time, not imported: this module must load where there is no node:dns.
  const { lookup } = requireNodeBuiltin<typeof Dns>('node:dns/promises');
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function blocked(url: string, message: string): FetchError {
  return new FetchError('fetch_blocked', message, { url });
}

/** Rejects when `signal` aborts; used to bound steps that take no signal (DNS). */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

class TimeoutSignal extends Error {}

/**
 * Creates a fetcher with limits and the SSRF guard.
 *
 * The guard resolves each host once, refuses the request if any address is
 * loopback, private, link-local, CGNAT, multicast, unspecified or reserved
 * (IPv4-mapped IPv6 forms included), then connects to the vetted address
 * itself. It runs again on every redirect hop. Refusals are FetchError
 * `fetch_blocked` naming the address.
 *
 * Error codes: `fetch_blocked`, `fetch_invalid_url`, `insecure_transport`,
 * `fetch_timeout`, `fetch_too_large`, `fetch_headers_too_large`,
 * `too_many_redirects`, `fetch_tls_error`, `fetch_failed` (unreachable),
 * `fetch_aborted`.
 *
 * @example
 * const fetcher = createFetcher({ timeoutMs: 5000 });
 * const res = await fetcher('https://example.com/', { headers: { accept: 'text/html' } });
 * res.status; res.url; res.text();
 */
export function createFetcher(options: FetchOptions = {}): Fetcher {
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const maxHeaderBytes = options.maxHeaderBytes ?? FETCH_DEFAULTS.maxHeaderBytes;
  const userAgent = options.userAgent ?? FETCH_DEFAULTS.userAgent;
  const allowPrivate = options.allowPrivateNetworks === true;
  const allowRules = parseHostRules(options.allowHosts ?? []);
  const denyRules = parseHostRules(options.denyHosts ?? []);
  const resolve = options.lookup ?? systemLookup;

  /** Checks a URL and returns the address to connect to. */
  async function vet(url: URL, signal: AbortSignal): Promise<{ address: string; family: 4 | 6 }> {
    const href = url.href;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw blocked(href, `refused ${href}: only http and https URLs are fetched`);
    }
    if (options.requireHttps && url.protocol !== 'https:') {
      throw new FetchError('insecure_transport', `refused ${href}: https is required`, { url: href });
    }
    if (url.username !== '' || url.password !== '') {
      throw new FetchError('fetch_invalid_url', `refused ${href}: URLs with credentials are not fetched`, {
        url: href,
      });
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (matchesHostRules(denyRules, host)) throw blocked(href, `refused ${href}: host ${host} is denied`);

    let addresses: readonly ResolvedAddress[];
    if (isIP(host) !== 0) {
      addresses = [{ address: host }];
    } else {
      try {
        addresses = await untilAborted(signal, resolve(host));
      } catch (err) {
        if (signal.aborted) throw err;
        throw new FetchError('fetch_failed', `could not resolve ${host}`, { url: href }, { cause: err });
      }
      if (addresses.length === 0)
        throw new FetchError('fetch_failed', `${host} has no address`, { url: href });
    }
    // Every address must pass, not only the one we will use: a name that
    // also points inside the network is refused outright.
    for (const { address } of addresses) {
      if (isIP(address) === 0) {
        throw new FetchError('fetch_failed', `${host} resolved to a non-IP ${address}`, { url: href });
      }
      if (matchesHostRules(denyRules, host, address)) {
        throw blocked(href, `refused ${href}: address ${address} is denied`);
      }
      if (allowPrivate || matchesHostRules(allowRules, host, address)) continue;
      const verdict = classifyAddress(address);
      if (verdict !== null) {
        const via = verdict.embeddedIPv4 ? `, embedding ${verdict.embeddedIPv4}` : '';
        const name = host === address ? '' : ` (${host})`;
        throw blocked(href, `refused ${href}: address ${address}${name} is ${verdict.category}${via}`);
      }
    }
    const first = addresses[0] as ResolvedAddress;
    return { address: first.address, family: first.family ?? (isIP(first.address) === 6 ? 6 : 4) };
  }

  return (input: string, init: FetchRequest = {}) =>
    trace('openid2:fetch', { url: redactUrl(input), method: init.method ?? 'GET' }, async (ctx) => {
      const res = await fetcher(input, init);
      ctx.status = res.status;
      ctx.finalUrl = redactUrl(res.url);
      ctx.bytes = res.body.length;
      return res;
    });

  async function fetcher(input: string, init: FetchRequest): Promise<FetchResponse> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new TimeoutSignal()), timeoutMs);
    const signals = [deadline.signal, ...(init.signal ? [init.signal] : [])];
    const signal = signals.length === 1 ? deadline.signal : AbortSignal.any(signals);

    let method: 'GET' | 'POST' = init.method ?? 'GET';
    let body: Buffer | null = null;
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      accept: '*/*',
      'accept-encoding': 'identity',
      connection: 'close',
    };
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    if (init.body !== undefined) {
      body = Buffer.from(typeof init.body === 'string' ? init.body : init.body.toString(), 'utf8');
      headers['content-type'] ??= 'application/x-www-form-urlencoded; charset=UTF-8';
    }

    let url: URL;
    try {
      url = new URL(input);
    } catch (err) {
      clearTimeout(timer);
      throw new FetchError('fetch_invalid_url', `not a valid URL: ${input}`, { url: input }, { cause: err });
    }

    try {
      for (let hop = 0; ; hop++) {
        const { address, family } = await vet(url, signal);
        if (body !== null) headers['content-length'] = String(body.length);
        else delete headers['content-length'];
        const res = await performHop({
          url,
          method,
          headers,
          body,
          address,
          family,
          maxBytes,
          maxHeaderBytes,
          signal,
          readBody: (status, h) => !(REDIRECTS.has(status) && h.has('location')),
        });
        const location = res.headers.get('location');
        if (!REDIRECTS.has(res.status) || location === null) {
          const finalUrl = url.href;
          const contentType = res.headers.get('content-type');
          return {
            url: finalUrl,
            status: res.status,
            headers: res.headers,
            body: res.body,
            text: () => decodeBody(res.body, contentType),
          };
        }
        const next = nextHop({ input, url, location, status: res.status, hop, maxRedirects, headers });
        if (res.status === 301 || res.status === 302 || res.status === 303) {
          if (method === 'POST') {
            method = 'GET';
            body = null;
            delete headers['content-type'];
          }
        }
        url = next;
      }
    } catch (err) {
      if (signal.aborted) {
        if (deadline.signal.aborted) {
          throw new FetchError('fetch_timeout', `fetching ${input} took longer than ${timeoutMs} ms`, {
            url: input,
          });
        }
        throw new FetchError(
          'fetch_aborted',
          `fetching ${input} was aborted`,
          { url: input },
          { cause: err },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
