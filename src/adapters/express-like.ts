/**
 * The few members of an Express request and response that the Passport
 * strategy and the Express helpers use, declared here so that
 * `openid2/passport`'s declarations need no `@types/express`: an Express (4 or
 * 5) request has them all, and so does any Connect-style request Passport
 * hands a strategy.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The response methods used (Express's `res`). */
export interface ExpressLikeResponse {
  /** Set a header, replacing any value. */
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  /** Set the status code. */
  status(code: number): this;
  /** Set Content-Type from a short name (`html`, `text/plain`). */
  type(type: string): this;
  /** Send a body and end the response. */
  send(body?: unknown): this;
  /** Append a header value (repeated `Set-Cookie`). */
  append(field: string, value?: string | string[]): this;
}

/** The request members used (Express's `req`). */
export interface ExpressLikeRequest extends AsyncIterable<unknown> {
  /** The request headers, lower-cased names (Node's `req.headers`). */
  readonly headers: IncomingHttpHeaders;
  /** Whether the body stream has been read to its end (by a body parser). */
  readonly readableEnded: boolean;
  /** The request method (always set on a server's request). */
  readonly method: string;
  /** `http` or `https`, following Express's `trust proxy` setting. */
  readonly protocol: string;
  /** The path and query as received, before any router mount point was stripped. */
  readonly originalUrl: string;
  /** What a body parser left, if one ran. */
  body?: unknown;
  /** A request header, case-insensitive. */
  get(name: string): string | undefined;
  /** The response, which Express links to the request. */
  res?: ExpressLikeResponse | undefined;
}
