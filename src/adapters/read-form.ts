/**
 * Read a urlencoded form body from a Node request stream, bounded in size,
 * for frameworks where no body parser ran before the adapter.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The form body was larger than allowed. */
export class FormTooLargeError extends Error {
  override readonly name = 'FormTooLargeError';
  readonly code = 'body_too_large';
}

/** Whether a Content-Type header names a urlencoded form. */
export function isFormContentType(header: string | undefined | null): boolean {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * Read the body of a Web `Request` as text, stopping at `maxBytes`: the stream is read chunk by chunk
 * with a running count and cancelled as soon as the count passes the cap, so a chunked body with no
 * Content-Length (or a lying one) never sits whole in memory. Throws {@link FormTooLargeError}.
 */
export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new FormTooLargeError('form body too large');
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Release the rest of the stream without reading it.
      await reader.cancel().catch(() => undefined);
      throw new FormTooLargeError('form body too large');
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Read the body of `req` as a form (empty when it is not urlencoded). Throws {@link FormTooLargeError}. */
export async function readNodeForm(
  req: AsyncIterable<unknown> & { readonly headers: IncomingHttpHeaders },
  maxBytes: number,
): Promise<URLSearchParams> {
  if (!isFormContentType(req.headers['content-type'])) return new URLSearchParams();
  if (Number(req.headers['content-length'] ?? '0') > maxBytes)
    throw new FormTooLargeError('form body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new FormTooLargeError('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
