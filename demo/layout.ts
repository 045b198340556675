/** Server-rendered pages of the demo: one layout, every dynamic value escaped by the caller via `h`. */
import { escapeHtml } from 'openid2/protocol';

/** Tagged template that escapes every interpolated value unless it is `raw()`. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += renderValue(v) + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}

/** Trusted HTML that `h` inserts as it is. */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export const raw = (html: string): Raw => new Raw(html);

function renderValue(v: unknown): string {
  if (v instanceof Raw) return v.html;
  if (Array.isArray(v)) return v.map(renderValue).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

const CSS = `
*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#23395b;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header .brand{font-weight:700;color:#fff;margin-right:auto}
main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:10px;padding:1.5rem 2rem;box-shadow:0 2px 10px #0001}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.7rem 0 .2rem;font-weight:600}
input[type=text],input[type=password],input[type=email],input[type=url]{width:100%;padding:.55rem;border:1px solid #c5ccd6;border-radius:6px;font-size:1rem}
button{background:#2f6fdb;color:#fff;border:0;border-radius:6px;padding:.6rem 1.1rem;font-size:1rem;cursor:pointer;margin-top:1rem}
button.secondary{background:#6b7483}button.steam{background:#171a21}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem .8rem;border-radius:6px}.ok{background:#e6f6ea;color:#1d5b2c;padding:.6rem .8rem;border-radius:6px}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e6ea;padding:.35rem .4rem;text-align:left;vertical-align:top}.muted{color:#6b7483;font-size:.9rem}
`;

/** A whole page. `nav` links are [href, label]. */
export function page(title: string, body: Raw, nav: [string, string][] = []): string {
  return `<!DOCTYPE html>${h`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${raw(CSS)}</style></head>
<body><header><span class="brand">openid2 demo</span>${nav.map(([href, label]) => h`<a href="${href}">${label}</a>`)}</header>
<main>${body}</main></body></html>`}`;
}
