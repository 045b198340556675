/**
 * Provider, in-process (issue 10, item 1): associate (decode + handle +
 * encode), a checkid_setup positive assertion signed with a shared
 * association, and check_authentication of a stateless assertion.
 */

import type { AssociateRequest, CheckAuthRequest, CheckIDRequest } from 'openid2';
import { OPENID2_NS } from 'openid2';
import { createConsumerSession } from 'openid2/protocol';
import { type BenchResult, bench, isQuick, note } from '../harness.js';
import { CLAIMED_ID, makeAssertions, makeProvider, REALM, RETURN_TO, toCheckAuthParams } from '../world.js';

function checkidParams(assocHandle?: string): URLSearchParams {
  const p = new URLSearchParams({
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': CLAIMED_ID,
    'openid.identity': CLAIMED_ID,
    'openid.return_to': RETURN_TO,
    'openid.realm': REALM,
  });
  if (assocHandle !== undefined) p.set('openid.assoc_handle', assocHandle);
  return p;
}

export async function run(): Promise<BenchResult[]> {
  const op = makeProvider();
  const out: BenchResult[] = [];

  for (const [session, assocType] of [
    ['DH-SHA256', 'HMAC-SHA256'],
    ['DH-SHA1', 'HMAC-SHA1'],
  ] as const) {
    const params = new URLSearchParams({
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': assocType,
      'openid.session_type': session,
      ...Object.fromEntries(
        Object.entries(createConsumerSession(session).requestArgs()).map(([k, v]) => [`openid.${k}`, v]),
      ),
    });
    let failures = 0;
    const r = await bench('provider', `associate ${session} (decode+handle+encode)`, async () => {
      const request = op.decodeRequest(params) as AssociateRequest;
      const web = await op.encodeResponse(await op.handleRequest(request));
      if (web.status !== 200 || !web.body.includes('enc_mac_key:')) failures++;
    });
    if (failures > 0) throw new Error(`associate ${session}: ${failures} answers were not associations`);
    out.push(session === 'DH-SHA256' ? note(r, { target: '>=1,500/s' }) : r);
  }

  // A shared association the relying party holds, as after an associate request.
  const assocWeb = await op.encodeResponse(
    await op.handleRequest(
      op.decodeRequest({
        'openid.ns': OPENID2_NS,
        'openid.mode': 'associate',
        'openid.assoc_type': 'HMAC-SHA256',
        'openid.session_type': 'DH-SHA256',
        ...Object.fromEntries(
          Object.entries(createConsumerSession('DH-SHA256').requestArgs()).map(([k, v]) => [
            `openid.${k}`,
            v,
          ]),
        ),
      }) as AssociateRequest,
    ),
  );
  const handle = /^assoc_handle:(.*)$/m.exec(assocWeb.body)?.[1];
  if (handle === undefined) throw new Error('no shared association');
  const shared = checkidParams(handle);
  let unsigned = 0;
  const signed = await bench('provider', 'checkid_setup positive assertion (shared assoc)', async () => {
    const request = op.decodeRequest(shared) as CheckIDRequest;
    const web = await op.encodeResponse(request.allow());
    // A private association would mean the shared handle was not used: not the path measured here.
    if (web.status !== 302 || web.headers['location']?.includes('invalidate_handle') !== false) unsigned++;
  });
  if (unsigned > 0)
    throw new Error(`checkid_setup: ${unsigned} answers were not signed with the shared handle`);
  out.push(note(signed, { target: '>=20,000/s' }));

  // Each check_authentication consumes its private association, so every call needs a fresh assertion.
  const pool = isQuick() ? 2_000 : 20_000;
  const first = new URL('https://op.example/openid');
  first.search = checkidParams().toString();
  const bodies = (await makeAssertions(op, first.toString(), pool + 50)).map(toCheckAuthParams);
  let i = 0;
  let invalid = 0;
  const checked = await bench(
    'provider',
    'check_authentication (stateless assertion)',
    async () => {
      const request = op.decodeRequest(bodies[i++] as URLSearchParams) as CheckAuthRequest;
      const web = await op.encodeResponse(await op.handleRequest(request));
      if (!web.body.includes('is_valid:true')) invalid++;
    },
    { maxIterations: pool },
  );
  if (invalid > 0) throw new Error(`check_authentication: ${invalid} answers were not is_valid:true`);
  out.push(checked);
  return out;
}
