/**
 * Small syntax checks shared by the extension modules. Internal: not
 * exported from the package entry.
 */
import { webScheme } from '../protocol/url-scheme.js';

/** An absolute URI: a scheme, a colon, and no whitespace or control characters (RFC 3986 §4.3). */
export function isAbsoluteUri(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$/.test(text);
}

/** An absolute http or https URL, the only links an extension may ask a user agent to follow. */
export function isHttpUrl(text: string): boolean {
  // Whitespace and controls are refused before parsing: the URL parser strips them silently.
  if (/[\s\x00-\x1f\x7f]/.test(text)) return false;
  return webScheme(text) !== null;
}

/** A list item separated by `sep`, where an empty string is the empty list. */
export function splitList(text: string, sep: string | RegExp): string[] {
  return text === '' ? [] : text.split(sep);
}
