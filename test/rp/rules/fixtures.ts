/**
 * Inputs for the rule unit tests (test/rp/rules): messages built field by
 * field, discovered endpoints and login states written out literally. No
 * expected value comes from here: each test states its own.
 */
import type { ServiceEndpoint } from '../../../src/discovery/endpoints.js';
import { Message } from '../../../src/protocol/message.js';
import type { LoginState } from '../../../src/rp/state.js';

export const NS2 = 'http://specs.openid.net/auth/2.0';
export const NS11 = 'http://openid.net/signon/1.1';
export const SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';
export const OP = 'https://op.example/server';
export const ALICE = 'https://alice.example/';
export const RP_NONCE = '2026-12-06T16:00:00Zabc';
export const RETURN = `https://rp.example/return?sid=S&openid2.rp_nonce=${encodeURIComponent(RP_NONCE)}`;

/** A message from `openid.*` fields written without the `openid.` prefix. */
export function msg(fields: Record<string, string>): Message {
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) args[`openid.${k}`] = v;
  return Message.fromPostArgs(args);
}

/** The fields of a well-formed OpenID 2.0 positive assertion for alice at OP, minus `drop`, plus `extra`. */
export function idRes2(
  extra: Record<string, string> = {},
  drop: readonly string[] = [],
): Record<string, string> {
  const f: Record<string, string> = {
    ns: NS2,
    mode: 'id_res',
    op_endpoint: OP,
    claimed_id: ALICE,
    identity: ALICE,
    return_to: RETURN,
    response_nonce: '2026-12-06T16:00:05Zxyz',
    assoc_handle: 'h1',
    signed: 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
    sig: 'c2ln',
    ...extra,
  };
  for (const k of drop) delete f[k];
  return f;
}

/** The fields of a well-formed OpenID 1.1 positive assertion (no openid.ns), minus `drop`, plus `extra`. */
export function idRes1(
  extra: Record<string, string> = {},
  drop: readonly string[] = [],
): Record<string, string> {
  const f: Record<string, string> = {
    mode: 'id_res',
    identity: ALICE,
    return_to: RETURN,
    assoc_handle: 'h1',
    signed: 'mode,identity,return_to',
    sig: 'c2ln',
    ...extra,
  };
  for (const k of drop) delete f[k];
  return f;
}

/** A claimed-identifier endpoint (OpenID 2.0 unless `version` says otherwise). */
export function endpoint(overrides: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return {
    version: '2.0',
    opEndpoint: OP,
    claimedId: ALICE,
    localId: null,
    types: ['http://specs.openid.net/auth/2.0/signon'],
    isOpIdentifier: false,
    source: 'xrds',
    ...overrides,
  };
}

/** An OP identifier endpoint (identifier_select). */
export function opIdentifier(overrides: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return endpoint({
    claimedId: null,
    types: ['http://specs.openid.net/auth/2.0/server'],
    isOpIdentifier: true,
    ...overrides,
  });
}

/** A login state as begin() would keep it for `ep`. */
export function loginState(
  overrides: Partial<LoginState> = {},
  ep: ServiceEndpoint = endpoint(),
): LoginState {
  return {
    endpoint: ep,
    claimedId: ep.isOpIdentifier ? null : ep.claimedId,
    returnTo: RETURN,
    realm: 'https://rp.example/',
    issuedAt: 1_800_000_000,
    immediate: false,
    anonymous: false,
    ...overrides,
  };
}

/** A refusal's code, or 'ok': what table rows compare. */
export function outcome(v: { ok: true } | { ok: false; code: string }): string {
  return v.ok ? 'ok' : v.code;
}
