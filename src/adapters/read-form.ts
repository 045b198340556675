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
