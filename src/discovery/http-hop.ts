/**
 * One HTTP request/response over node:http / node:https, connected to an
 * address the caller has already vetted (no second DNS lookup, so no DNS
 * rebinding between check and connect), with a byte cap on the body and
 * a header size cap. Redirects are not followed here.
 */

import type { LookupAddress } from 'node:dns';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Readable, Transform } from 'node:stream';
import type * as Zlib from 'node:zlib';
import { requireNodeBuiltin } from '../platform/node-builtins.js';
import { FetchError } from '../protocol/errors.js';

/** Everything one hop needs. */
export interface HopRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  /** The vetted address to connect to. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly maxBytes: number;
  readonly maxHeaderBytes: number;
  readonly signal: AbortSignal;
  /** Read the body (false for redirects, whose body is dropped). */
  readonly readBody: (status: number, headers: Headers) => boolean;
}

/** What one hop returns. */
export interface HopResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

function toHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string);
    } catch {
      // A header the Fetch standard refuses (bad bytes) is dropped, not fatal.
    }
  }
  return headers;
}

const TLS_ERROR =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL)/;

/** Maps a socket/parser error to a FetchError with a code an app can act on. */
export function networkError(url: string, err: unknown): FetchError {
  const code = (err as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? code : '';
  if (text === 'HPE_HEADER_OVERFLOW') {
    return new FetchError(
      'fetch_headers_too_large',
      `response headers from ${url} are too large`,
      { url },
      {
        cause: err,
      },
    );
  }
  if (TLS_ERROR.test(text)) {
    return new FetchError(
      'fetch_tls_error',
      `TLS verification failed for ${url} (${text})`,
      { url },
      {
        cause: err,
      },
    );
  }
  const why = text || (err instanceof Error ? err.message : String(err));
  return new FetchError('fetch_failed', `could not fetch ${url}: ${why}`, { url }, { cause: err });
}

function tooLarge(url: string, maxBytes: number): FetchError {
  return new FetchError('fetch_too_large', `response from ${url} is larger than ${maxBytes} bytes`, { url });
}

/** A decompressor for the Content-Encoding, null for none, 'unsupported' for anything else. */
function decoderFor(encoding: string | null): Transform | null | 'unsupported' {
  const zlib = (): typeof Zlib => requireNodeBuiltin<typeof Zlib>('node:zlib');
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib().createGunzip();
    case 'deflate':
      return zlib().createInflate();
    case 'br':
      return zlib().createBrotliDecompress();
    default:
      return 'unsupported';
  }
}

/** Reads at most `maxBytes` (decoded) bytes; fails with fetch_too_large past that. */
function readCapped(url: string, stream: Readable, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy(tooLarge(url, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, total))));
  });
}

/** Performs one request. Rejects with FetchError, or with the abort reason when `signal` fires. */
export function performHop(req: HopRequest): Promise<HopResponse> {
  const { url } = req;
  const display = url.href;
  // Fetched at call time, not imported: this module must load where there is no node:http (see default-fetcher.ts).
  const transport =
    url.protocol === 'https:'
      ? requireNodeBuiltin<typeof Https>('node:https')
      : requireNodeBuiltin<typeof Http>('node:http');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // The connection goes to the vetted address only; the name still drives
  // SNI, certificate verification and the Host header.
  const pinnedLookup = (
    _host: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    if (options.all) callback(null, [{ address: req.address, family: req.family }]);
    else callback(null, req.address, req.family);
  };

  return new Promise<HopResponse>((resolve, reject) => {
    if (req.signal.aborted) {
      reject(req.signal.reason);
      return;
    }
    const outgoing = transport.request({
      protocol: url.protocol,
      hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: req.headers,
      agent: false,
      lookup: pinnedLookup as never,
      maxHeaderSize: req.maxHeaderBytes,
      signal: req.signal,
    });
    const fail = (err: unknown): void => {
      if (req.signal.aborted) reject(req.signal.reason);
      else if (err instanceof FetchError) reject(err);
      else reject(networkError(display, err));
    };
    outgoing.on('error', fail);
    outgoing.on('response', (res) => {
      res.on('error', fail);
      const status = res.statusCode ?? 0;
      const headers = toHeaders(res.rawHeaders);
      if (!req.readBody(status, headers)) {
        res.destroy();
        resolve({ status, headers, body: new Uint8Array(0) });
        return;
      }
      const declared = Number(headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        res.destroy();
        fail(tooLarge(display, req.maxBytes));
        return;
      }
      const encoding = headers.get('content-encoding');
      const decoder = decoderFor(encoding);
      if (decoder === 'unsupported') {
        res.destroy();
        fail(
          new FetchError('fetch_failed', `unsupported Content-Encoding ${encoding} from ${display}`, {
            url: display,
            status,
          }),
        );
        return;
      }
      let source: Readable = res;
      if (decoder !== null) {
        // Cap the compressed bytes and the decompressed bytes alike (no zip bombs).
        let raw = 0;
        res.on('data', (chunk: Buffer) => {
          raw += chunk.length;
          if (raw > req.maxBytes) res.destroy(tooLarge(display, req.maxBytes));
        });
        res.on('error', (err) => decoder.destroy(err));
        source = res.pipe(decoder);
      }
      // A connection that closes mid-body must fail the read, not leave it waiting.
      res.on('close', () => {
        if (!res.complete) source.destroy(new Error('the connection closed before the body was complete'));
      });
      readCapped(display, source, req.maxBytes).then((body) => {
        res.destroy();
        resolve({ status, headers, body });
      }, fail);
    });
    outgoing.end(req.body ?? undefined);
  });
}
