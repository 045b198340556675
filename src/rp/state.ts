/**
 * Per-login state (DESIGN.md §6): what complete() needs from begin() — the
 * chosen endpoint, the claimed id, the return_to sent (with this login's nonce) —
 * as an opaque token authenticated with the relying party's secret
 * (HMAC-SHA256). The app keeps it in a cookie or session; tampering, a
 * foreign secret or age past `maxAgeSeconds` make it invalid.
 */

import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { base64Ascii, textFromBase64, toBase64Url, utf8 } from '../platform/bytes.js';
import { constantTimeEqual, hmac } from '../platform/hash.js';

/** What one login carries from begin() to complete(). */
export interface LoginState {
  /** The discovered endpoint the user was sent to. */
  endpoint: ServiceEndpoint;
  /** The claimed id discovered (null for an OP identifier: the OP chooses). */
  claimedId: string | null;
  /** return_to exactly as sent to the provider. */
  returnTo: string;
  /** The realm sent with the request. */
  realm: string;
  /** Unix seconds when begin() ran. */
  issuedAt: number;
  /** Whether the request was `checkid_immediate`. */
  immediate: boolean;
  /** Whether the request asked for no identifier (spec §9.1, an extension-only exchange). */
  anonymous: boolean;
  /** Keyed digest of the app's `bindTo` value, when the login was bound to one. */
  binding?: string;
}

/** Where a relying party may keep state server-side instead of handing out a token. */
export interface StateSession {
  /** The value stored under `key`, if any. */
  get(key: string): Promise<string | undefined> | string | undefined;
  /** Store `value` under `key`. */
  set(key: string, value: string): Promise<void> | void;
  /** Remove `key` (a login's state is used once). */
  delete(key: string): Promise<void> | void;
}

const VERSION = 'v1';

function macBytes(secret: Uint8Array, payload: string): Uint8Array {
  return hmac('sha256', secret, `openid2-state.${payload}`);
}

function mac(secret: Uint8Array, payload: string): string {
  return toBase64Url(macBytes(secret, payload));
}

/** Encode and authenticate a login state. */
export function encodeState(state: LoginState, secret: Uint8Array): string {
  const payload = toBase64Url(utf8(JSON.stringify(state)));
  return `${VERSION}.${payload}.${mac(secret, payload)}`;
}

/** Why a state token was refused. */
export type StateCheck =
  | { ok: true; state: LoginState }
  | { ok: false; code: 'state_invalid' | 'state_expired'; message: string };

/** Check and decode a state token. */
export function decodeState(
  token: string,
  secret: Uint8Array,
  nowSeconds: number,
  maxAgeSeconds: number,
): StateCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION)
    return { ok: false, code: 'state_invalid', message: 'malformed state token' };
  const payload = parts[1] as string;
  const given = utf8(parts[2] as string);
  // The MAC's base64url text as bytes, as `utf8(mac(...))` but without the string in between.
  const expected = base64Ascii(macBytes(secret, payload), true);
  if (!constantTimeEqual(given, expected)) {
    return {
      ok: false,
      code: 'state_invalid',
      message: 'the state token was not issued by this relying party',
    };
  }
  let state: LoginState;
  try {
    state = JSON.parse(textFromBase64(payload)) as LoginState;
  } catch {
    return { ok: false, code: 'state_invalid', message: 'unreadable state token' };
  }
  if (
    typeof state.issuedAt !== 'number' ||
    nowSeconds - state.issuedAt > maxAgeSeconds ||
    state.issuedAt - nowSeconds > 300
  ) {
    return { ok: false, code: 'state_expired', message: 'the login took too long; start again' };
  }
  return { ok: true, state };
}
