/**
 * The per-login nonce begin() adds to return_to (`openid2.rp_nonce`).
 *
 * It ties a response to the login state of the browser that started it: the
 * state records the return_to with this nonce, and the response must come
 * back to that same URL. Adapters also use it to pick, among several state
 * cookies, the one that belongs to this response (issue 18, item 5).
 */

/** The query parameter begin() adds to return_to. */
export const RP_NONCE_PARAM = 'openid2.rp_nonce';

/** The one `openid2.rp_nonce` a URL carries, or null (none, several, or not a URL). */
export function rpNonceOf(url: string | URL): string | null {
  try {
    const all = (typeof url === 'string' ? new URL(url) : url).searchParams.getAll(RP_NONCE_PARAM);
    return all.length === 1 ? (all[0] as string) : null;
  } catch {
    return null;
  }
}

/** Both URLs carry exactly one `openid2.rp_nonce`, and it is the same. */
export function sameRpNonce(a: string, b: string): boolean {
  const x = rpNonceOf(a);
  return x !== null && x === rpNonceOf(b);
}
