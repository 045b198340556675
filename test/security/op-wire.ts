/**
 * Talking to this package's Provider over real HTTP (test/helpers/op-server.ts)
 * the way a browser or a relying party would: indirect requests as GET
 * without following redirects, direct requests as form POSTs.
 */
import assert from 'node:assert/strict';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { Message } from '../../src/protocol/message.js';
import type { ProviderServer } from '../helpers/op-server.js';

/** What came back from the provider. */
export interface WireAnswer {
  status: number;
  headers: Headers;
  body: string;
  /** The Location header, or null. */
  location: string | null;
}

async function answer(res: Response): Promise<WireAnswer> {
  return {
    status: res.status,
    headers: res.headers,
    body: await res.text(),
    location: res.headers.get('location'),
  };
}

/** An indirect request: the browser GETs the endpoint with the fields in the query. */
export async function opGet(
  ps: ProviderServer,
  fields: Readonly<Record<string, string>>,
): Promise<WireAnswer> {
  const url = new URL(ps.endpoint);
  for (const [k, v] of Object.entries(fields)) url.searchParams.append(k, v);
  return answer(await fetch(url, { redirect: 'manual' }));
}

/** A direct request: the relying party POSTs a form (fields may repeat when given as pairs). */
export async function opPost(
  ps: ProviderServer,
  fields: Readonly<Record<string, string>> | readonly (readonly [string, string])[],
): Promise<WireAnswer> {
  const body = new URLSearchParams(
    Array.isArray(fields) ? (fields as [string, string][]) : Object.entries(fields),
  );
  return answer(
    await fetch(ps.endpoint, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
  );
}

/** A direct answer must be key-value form; parse it strictly. */
export function kvAnswer(a: WireAnswer): Message {
  assert.match(a.headers.get('content-type') ?? '', /^text\/plain/);
  return Message.fromKVForm(a.body);
}

/** The fields of an indirect answer (the redirect's query). */
export function redirectFields(a: WireAnswer): Message {
  assert.equal(a.status, 302, `expected a redirect, got ${a.status}: ${a.body.slice(0, 200)}`);
  return Message.fromQuery(a.location as string);
}

/** A checkid_setup request for `base`'s user alice, from an RP at `rp`. */
export function checkidFields(
  ps: ProviderServer,
  extra: Readonly<Record<string, string>> = {},
  rp = 'https://rp.example',
): Record<string, string> {
  return {
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': `${ps.base}/id/alice`,
    'openid.identity': `${ps.base}/id/alice`,
    'openid.return_to': `${rp}/return?sid=1`,
    'openid.realm': `${rp}/`,
    ...extra,
  };
}
