/**
 * The provider's traced operation, `openid2:op.request`: one per request
 * `Provider.respond()` answers, with its mode and the answer's outcome.
 * The answer itself (signature, DH values, MAC key) never reaches the context.
 */

import { type ProviderRequestContext, trace } from '../diagnostics/index.js';
import type { WebResponse } from './encoder.js';
import type { OPRequest } from './requests.js';

/** Trace one provider request; the outcome comes from the encoded answer. */
export function traceProviderRequest(
  opEndpoint: string,
  run: (ctx: ProviderRequestContext) => Promise<WebResponse | null>,
): Promise<WebResponse | null> {
  return trace('openid2:op.request', { opEndpoint, mode: 'unknown' }, async (ctx) => {
    const res = await run(ctx);
    if (res === null) {
      ctx.mode = 'none';
      ctx.outcome = 'not_openid';
      return res;
    }
    ctx.outcome = outcomeOf(ctx.mode, res);
    if (ctx.mode === 'check_authentication') ctx.isValid = /(^|\n)is_valid:true\n/.test(res.body);
    return res;
  });
}

/** Name the request's mode (and, for associate, its types) on the context. */
export function describeProviderRequest(ctx: ProviderRequestContext, request: OPRequest): void {
  ctx.mode = request.mode;
  if (request.mode === 'associate') {
    ctx.assocType = request.assocType;
    ctx.sessionType = request.sessionType;
  }
}

/** `id_res`, `cancel`, `setup_needed`, `error` (indirect answers), or `ok` / `error` (direct ones). */
function outcomeOf(mode: string, res: WebResponse): string {
  const location = res.headers.location;
  if (location) {
    try {
      const m = new URL(location).searchParams.get('openid.mode');
      if (m && /^[a-z_]{1,32}$/.test(m)) return m;
    } catch {
      // fall through to the status
    }
  }
  const form = /name="openid\.mode" value="([a-z_]{1,32})"/.exec(res.body);
  if (form?.[1] && mode.startsWith('checkid')) return form[1];
  if (res.status >= 400 || /(^|\n)mode:error\n/.test(res.body)) return 'error';
  return 'ok';
}
