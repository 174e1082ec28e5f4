import { html, type Html } from './html.js';

export type Section = 'fleet' | 'alerts' | 'maintenance' | 'tickets' | 'logs';

const NAV: [Section, string, string][] = [
  ['fleet', 'Fleet', '/'],
  ['alerts', 'Alerts', '/alerts'],
  ['maintenance', 'Maintenance', '/maintenance'],
  ['tickets', 'Tickets', '/tickets'],
  ['logs', 'Logs', '/logs'],
];

/**
 * Every board page: a header with the sections, the page's <main>, and the
 * one script and stylesheet (served as files, so the Content-Security-Policy
 * can forbid inline script). `fragment` is what the script asks for on a
 * live update: only the <main>, to swap in place.
 */
export function page(opts: { title: string; section: Section | null; body: Html; fragment?: boolean }): string {
  if (opts.fragment) return opts.body.value;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · opsbridge</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/board.css">
<script src="/board.js" defer></script>
</head>
<body>
<header>
  <a class="brand" href="/">opsbridge</a>
  <nav>${NAV.map(([s, label, href]) => html`<a href="${href}"${s === opts.section ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>
  <span class="live" id="live" title="live updates">●</span>
</header>
<main id="main">${opts.body}</main>
</body>
</html>
`.value;
}

/** The page answers: HTML, never cached, and no script but our own. */
export function htmlResponse(body: string, status = 200): { status: number; body: string; headers: Record<string, string> } {
  return {
    status,
    body,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'same-origin',
    },
  };
}
