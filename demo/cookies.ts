/**
 * Signed cookies and CSRF tokens for the demo server. A cookie value is
 * `payload.mac` with an HMAC-SHA256 over the cookie name and payload, so a
 * value cannot be moved from one cookie to another or altered.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

function mac(secret: Uint8Array, name: string, payload: string): string {
  return createHmac('sha256', secret).update(`${name}=${payload}`).digest('base64url');
}

/** A signed value for cookie `name`. */
export function signCookieValue(secret: Uint8Array, name: string, payload: string): string {
  return `${payload}.${mac(secret, name, payload)}`;
}

/** The payload of a signed cookie value, or null when it was tampered with. */
export function verifyCookieValue(secret: Uint8Array, name: string, value: string): string | null {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(secret, name, payload));
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}

/** Options of a Set-Cookie header. */
export interface CookieOptions {
  maxAgeSeconds?: number;
  secure?: boolean;
  path?: string;
}

/** A Set-Cookie header value: HttpOnly, SameSite=Lax, Secure when asked. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAgeSeconds)}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** A fresh random id (session ids, CSRF secrets). */
export function randomId(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/** The CSRF token of a session: an HMAC of its id, so forms need no server-side storage. */
export function csrfToken(secret: Uint8Array, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

/** Whether `token` is the CSRF token of `sessionId`. */
export function checkCsrf(secret: Uint8Array, sessionId: string, token: string | undefined | null): boolean {
  if (!token) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(csrfToken(secret, sessionId));
  return a.length === b.length && timingSafeEqual(a, b);
}
