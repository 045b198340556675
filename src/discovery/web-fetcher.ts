/**
 * The fetcher of the Web-standard path: the platform `fetch` (Workers, Deno,
 * Bun, Vercel Edge), with the same limits as the Node fetcher (time, body
 * bytes, header bytes, redirects checked hop by hop, http/https only, no
 * credentials in URLs, allow/deny host rules).
 *
 * What it cannot do: pin DNS. `fetch` resolves the host itself, so a host
 * NAME cannot be vetted against the address the connection will use. The
 * guard here refuses IP literals in non-public ranges and `localhost`
 * names, and otherwise lets names through: a weaker guard, which is why a
 * fetcher made here says `dnsPinning: false` and the relying party refuses
 * to discover user-supplied identifiers with it unless the app names its
 * providers or opts in (see SECURITY.md, "Runtimes without DNS pinning").
 *
 * @see OpenID Authentication 2.0 §5.1 (direct communication), §7.3 (discovery)
 */
import { FetchError } from '../protocol/errors.js';
import { classifyAddress, matchesHostRules, parseHostRules, parseIPv4 } from './address-policy.js';
import { decodeBody } from './charset.js';
import { FETCH_DEFAULTS, type Fetcher, type FetchOptions, type FetchRequest } from './fetcher.js';
import { nextHop } from './redirect.js';

/** A fetcher that says whether it vets the address it connects to. */
export interface GuardedFetcher extends Fetcher {
  /** False: host names are not resolved and pinned before connecting (see module comment). */
  readonly dnsPinning: boolean;
}

/** Options of {@link createWebFetcher}: those of the Node fetcher, minus DNS (`lookup`). */
export type WebFetchOptions = Omit<FetchOptions, 'lookup'> & {
  /** The `fetch` to call. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class TimeoutSignal extends Error {}

function blocked(url: string, message: string): FetchError {
  return new FetchError('fetch_blocked', message, { url });
}

/** True when the fetcher `f` is known to connect without pinning DNS. */
export function lacksDnsPinning(f: Fetcher): boolean {
  return (f as Partial<GuardedFetcher>).dnsPinning === false;
}

/** Reads at most `max` bytes of a body stream; more is `fetch_too_large`. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, url: string) {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new FetchError('fetch_too_large', `the body of ${url} is larger than ${max} bytes`, { url });
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function headerBytes(headers: Headers): number {
  let n = 0;
  headers.forEach((value, name) => {
    n += name.length + value.length + 4;
  });
  return n;
}

/**
 * A fetcher over the platform `fetch`, for runtimes whose HTTP client cannot
 * connect to a pre-vetted address. Error codes are those of `createFetcher`.
 *
 * @example
 * const fetcher = createWebFetcher({ timeoutMs: 5000 });
 * fetcher.dnsPinning; // false
 */
export function createWebFetcher(options: WebFetchOptions = {}): GuardedFetcher {
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const maxHeaderBytes = options.maxHeaderBytes ?? FETCH_DEFAULTS.maxHeaderBytes;
  const userAgent = options.userAgent ?? FETCH_DEFAULTS.userAgent;
  const allowPrivate = options.allowPrivateNetworks === true;
  const allowRules = parseHostRules(options.allowHosts ?? []);
  const denyRules = parseHostRules(options.denyHosts ?? []);
  const platformFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  function vet(url: URL): void {
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
    if (allowPrivate || matchesHostRules(allowRules, host)) return;
    // The URL parser has already turned every IPv4 spelling (0x7f.1, 2130706433) into dotted form.
    const literal = parseIPv4(host) !== null || url.hostname.startsWith('[');
    if (literal) {
      const verdict = classifyAddress(host);
      if (verdict !== null) throw blocked(href, `refused ${href}: address ${host} is ${verdict.category}`);
      return;
    }
    const name = host.toLowerCase().replace(/\.+$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) {
      throw blocked(href, `refused ${href}: ${host} is loopback`);
    }
  }

  const fetcher = async (input: string, init: FetchRequest = {}) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new TimeoutSignal()), timeoutMs);
    const signal = init.signal ? AbortSignal.any([deadline.signal, init.signal]) : deadline.signal;
    let method: 'GET' | 'POST' = init.method ?? 'GET';
    let body: string | null = null;
    const headers: Record<string, string> = { 'user-agent': userAgent, accept: '*/*' };
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : init.body.toString();
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
        vet(url);
        let res: Response;
        try {
          res = await platformFetch(url.href, { method, headers, body, redirect: 'manual', signal });
        } catch (err) {
          if (signal.aborted) throw err;
          throw new FetchError(
            'fetch_failed',
            `could not fetch ${url.href}`,
            { url: url.href },
            { cause: err },
          );
        }
        if (headerBytes(res.headers) > maxHeaderBytes) {
          await res.body?.cancel().catch(() => undefined);
          throw new FetchError('fetch_headers_too_large', `response headers from ${url.href} are too large`, {
            url: url.href,
          });
        }
        const location = res.headers.get('location');
        if (!REDIRECTS.has(res.status) || location === null) {
          const bytes = await readCapped(res.body, maxBytes, url.href);
          const contentType = res.headers.get('content-type');
          return {
            url: url.href,
            status: res.status,
            headers: res.headers,
            body: bytes,
            text: () => decodeBody(bytes, contentType),
          };
        }
        await res.body?.cancel().catch(() => undefined);
        const next = nextHop({ input, url, location, status: res.status, hop, maxRedirects, headers });
        if ((res.status === 301 || res.status === 302 || res.status === 303) && method === 'POST') {
          method = 'GET';
          body = null;
          delete headers['content-type'];
        }
        url = next;
      }
    } catch (err) {
      if (signal.aborted && !(err instanceof FetchError)) {
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
  };
  return Object.assign(fetcher, { dnsPinning: false as const });
}
