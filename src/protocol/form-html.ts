/**
 * The self-submitting HTML form that carries a message too long for a
 * redirect (spec §5.2.1), and the escaping it relies on.
 */

/** Options of `Message.toFormHtml`. */
export interface FormHtmlOptions {
  /** Page title. */
  title?: string;
  /** Label of the submit button shown without JavaScript. */
  submitText?: string;
  /** CSP nonce for the inline auto-submit script. */
  scriptNonce?: string;
}

/** Escape text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An HTML page whose form POSTs `fields` to `action` and submits itself. Every value is escaped. */
export function autoSubmitFormHtml(
  action: string,
  fields: Iterable<readonly [string, string]>,
  options: FormHtmlOptions = {},
): string {
  const inputs = [...fields]
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const nonceAttr = options.scriptNonce ? ` nonce="${escapeHtml(options.scriptNonce)}"` : '';
  const title = escapeHtml(options.title ?? 'Continue');
  const button = escapeHtml(options.submitText ?? 'Continue');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body>
<form id="openid2-form" method="post" accept-charset="UTF-8" action="${escapeHtml(action)}">
${inputs}
<noscript><button type="submit">${button}</button></noscript>
</form>
<script${nonceAttr}>document.getElementById('openid2-form').submit();</script>
</body></html>
`;
}
