/**
 * `url` with `name=value` appended to its query. The configured return_to is
 * kept byte for byte (URLSearchParams would re-encode `%20` as `+` and so on):
 * the provider echoes it and the app may compare it as it wrote it.
 *
 * @example withQueryParam('https://rp.example/return?a=1#top', 'b', '2') // 'https://rp.example/return?a=1&b=2#top'
 */
export function withQueryParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${encodeURIComponent(name)}=${encodeURIComponent(value)}${hash === -1 ? '' : url.slice(hash)}`;
}
