/**
 * Bridge between Node's `http` server and Web `Request` / `Response`, so the
 * Web-standard handlers serve plain Node servers (and the demo) too.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { nodeListener } from 'openid2/node';
 * createServer(nodeListener((request) => login(request))).listen(3000);
 *
 * @module openid2/node
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** Options of {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /** Largest request body read, in bytes. Default 1 MiB; a larger body is answered 413 by the caller. */
  maxBodyBytes?: number;
  /**
   * Base URL the server is reached at (scheme, host, port), e.g.
   * `https://app.example`. Without it the `Host` header and the socket's TLS
   * state are used; behind a proxy set it, since Host may be forged.
   */
  baseUrl?: string;
}

/** The request body was larger than allowed. */
export class BodyTooLargeError extends Error {
  /** Always `BodyTooLargeError`. */
  override readonly name = 'BodyTooLargeError';
}

/** Read a Node request into a Web `Request`, bounded in size. */
export async function toWebRequest(
  req: IncomingMessage,
  options: ToWebRequestOptions = {},
): Promise<Request> {
  const max = options.maxBodyBytes ?? 1024 * 1024;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  const base = options.baseUrl ?? `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  const url = new URL(req.url ?? '/', base);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  const method = req.method ?? 'GET';
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw new BodyTooLargeError(`request body is larger than ${max} bytes`);
      chunks.push(chunk);
    }
    body = Buffer.concat(chunks);
  }
  return new Request(url, body === undefined ? { method, headers } : { method, headers, body });
}

/** Write a Web `Response` to a Node response. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const setCookies = response.headers.getSetCookie();
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  if (setCookies.length > 0) headers['set-cookie'] = setCookies;
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
      .on('error', reject)
      .pipe(res)
      .on('finish', resolve)
      .on('error', reject);
  });
}

/** A Node request listener serving a Web handler; 413 for oversized bodies, 500 (logged) on a thrown error. */
export function nodeListener(
  handler: (request: Request) => Promise<Response> | Response,
  options: ToWebRequestOptions & { onError?: (error: unknown) => void } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let response: Response;
      try {
        response = await handler(await toWebRequest(req, options));
      } catch (e) {
        if (e instanceof BodyTooLargeError) {
          response = new Response('request body too large\n', { status: 413 });
        } else {
          options.onError?.(e);
          response = new Response('internal error\n', { status: 500 });
        }
      }
      await sendWebResponse(res, response).catch((e: unknown) => {
        options.onError?.(e);
        res.destroy();
      });
    })();
  };
}
