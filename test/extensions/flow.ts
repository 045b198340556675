/**
 * An in-process RP → OP → RP flow for extension tests, built on the protocol
 * core only: the relying party writes a checkid_setup URL, the "provider"
 * decodes it, answers with a positive assertion it signs, the answer travels
 * as a redirect URL (where an attacker may append arguments), and the
 * relying party verifies the signature and keeps the signed subset, which is
 * what its success result exposes to extension readers.
 */
import assert from 'node:assert/strict';
import type { Extension, ExtensionRequestSource, VerifiedAssertion } from '../../src/extensions/extension.js';
import { addExtensionToMessage } from '../../src/extensions/extension.js';
import { Association } from '../../src/protocol/association.js';
import type { OpenIDVersion } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { signedSubset, signMessage, verifyMessageSignature } from '../../src/protocol/signature.js';

export const REALM = 'https://rp.example/';
export const RETURN_TO = 'https://rp.example/openid/return?sid=S';
export const OP_ENDPOINT = 'https://op.example/server';
export const CLAIMED_ID = 'https://op.example/id/victim';

export const ASSOC = new Association({
  handle: 'assoc-1',
  secret: new Uint8Array(32).fill(7),
  issued: 1_700_000_000,
  lifetime: 3600,
  assocType: 'HMAC-SHA256',
});

/** Relying party: the checkid_setup redirect URL carrying `extensions`. */
export function rpRequestUrl(version: OpenIDVersion, extensions: readonly Extension[]): string {
  const m = Message.create(version);
  m.set(OPENID_NS, 'mode', 'checkid_setup');
  m.set(OPENID_NS, 'identity', CLAIMED_ID);
  m.set(OPENID_NS, 'return_to', RETURN_TO);
  m.set(OPENID_NS, 'assoc_handle', ASSOC.handle);
  if (version === '2.0') {
    m.set(OPENID_NS, 'claimed_id', CLAIMED_ID);
    m.set(OPENID_NS, 'realm', REALM);
  } else {
    m.set(OPENID_NS, 'trust_root', REALM);
  }
  for (const ext of extensions) addExtensionToMessage(m, ext);
  return m.toURL(OP_ENDPOINT);
}

/** Provider: decode the request as the Provider's CheckIDRequest would (its `.message`). */
export function opDecode(url: string): ExtensionRequestSource {
  return { message: Message.fromQuery(url) };
}

/** Options of `opAnswerUrl`. */
export interface AnswerOptions {
  /** Which `openid.` fields to sign; default all of them. */
  signedKeys?: (message: Message) => string[];
}

/** Provider: a signed positive assertion with `extensions`, as a redirect URL to return_to. */
export function opAnswerUrl(
  request: ExtensionRequestSource,
  extensions: readonly Extension[],
  options: AnswerOptions = {},
): string {
  const req = request.message;
  const m = Message.create(req.version);
  m.set(OPENID_NS, 'mode', 'id_res');
  m.set(OPENID_NS, 'identity', req.getRequired(OPENID_NS, 'identity'));
  const returnTo = req.getRequired(OPENID_NS, 'return_to');
  m.set(OPENID_NS, 'return_to', returnTo);
  if (req.isOpenID2()) {
    m.set(OPENID_NS, 'op_endpoint', OP_ENDPOINT);
    m.set(OPENID_NS, 'claimed_id', req.getRequired(OPENID_NS, 'claimed_id'));
    m.set(OPENID_NS, 'response_nonce', '2024-01-01T00:00:00Zabc');
  }
  for (const ext of extensions) addExtensionToMessage(m, ext);
  const signedKeys = options.signedKeys?.(m);
  signMessage(m, ASSOC, signedKeys === undefined ? {} : { signedKeys });
  return m.toURL(returnTo);
}

/** An attacker on the way back: set (append or overwrite) query arguments. */
export function tamper(url: string, extra: Readonly<Record<string, string>>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.toString();
}

/** Relying party: verify the signature and expose the signed view, as its success result will. */
export function rpComplete(url: string): VerifiedAssertion {
  const message = Message.fromQuery(url);
  const check = verifyMessageSignature(message, ASSOC);
  assert.ok(check.ok, `signature check failed: ${check.ok ? '' : check.message}`);
  return { status: 'success', signedMessage: signedSubset(message, check.signedKeys) };
}

/** Every `openid.` key of a message except the listed ones (for partial signing). */
export function allKeysExcept(...excluded: string[]): (m: Message) => string[] {
  return (m) => Object.keys(m.toOpenIDArgs()).filter((k) => !excluded.includes(k));
}
