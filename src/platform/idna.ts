/**
 * `url.domainToASCII` without `node:url`: the WHATWG host parser, reached
 * through `new URL`. Characters that would end the host inside a URL (or
 * that the URL parser strips) are refused first, so the answer is the host
 * parser's answer for the whole input: the ASCII (punycode, UTS #46) form,
 * or '' when it is not a valid domain.
 *
 * Internal module.
 */

/** Delimiters of the authority, and what the URL parser strips (tab, newlines, surrounding C0 and space). */
const OUTSIDE_HOST = /[/?#@:\\[\]\t\n\r]|^[\x00-\x20]|[\x00-\x20]$/;

/**
 * The ASCII form of `domain`, or '' when it is not a valid domain name
 * (same contract as `url.domainToASCII`).
 *
 * @example domainToAscii('münchen.de') // 'xn--mnchen-3ya.de'
 */
export function domainToAscii(domain: string): string {
  if (domain === '' || OUTSIDE_HOST.test(domain)) return '';
  try {
    return new URL(`http://${domain}/`).hostname;
  } catch {
    return '';
  }
}
