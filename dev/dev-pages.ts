/**
 * The development server's HTML pages (dev-web.ts serves them): a demo app
 * signed in as the demo user, with `<herald-inbox>` in its bar (tabs, browser
 * notifications) and a form to send that user a notification, and the
 * preferences page. Static markup around escaped data only.
 */
// The pages carry a user token: keep them out of caches and other sites' frames.
export const pageHeaders = {
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy":
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

export interface PageData {
  baseUrl: string;
  token: string;
  userId: string;
}

/** The demo inbox's tabs: everything, and notifications tagged `mention` (the form's "Mention me" box). */
const demoTabs = [
  { id: "all", label: "All" },
  { id: "mentions", label: "Mentions", tags: ["mention"] },
];

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function layout(d: PageData, title: string, main: string): string {
  const attrs = `base-url="${escapeHtml(d.baseUrl)}" token="${escapeHtml(d.token)}"`;
  // push-worker: the panel offers browser notifications when the server has the webpush channel.
  const inboxAttrs = `tabs='${escapeHtml(JSON.stringify(demoTabs))}' push-worker="/herald-push-sw.js"`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Herald demo</title><link rel="icon" href="data:,">
<script type="module" src="/herald-inbox.js"></script><script type="module" src="/dev-demo.js"></script>
<style>
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f3f4f6; }
.bar { display: flex; align-items: center; gap: 24px; padding: 12px 32px; background: #fff; border-bottom: 1px solid #e5e7eb; }
.bar strong { font-size: 17px; } .bar nav { display: flex; gap: 16px; flex: 1; }
.bar a { color: #4f46e5; text-decoration: none; } .who { color: #6b7280; font-size: 13px; }
main { max-width: 760px; margin: 32px auto; padding: 24px 32px; background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; }
h1 { margin-top: 0; font-size: 20px; } .note { color: #6b7280; font-size: 13px; }
form label { display: block; margin: 12px 0 4px; font-weight: 600; }
form input, form textarea { width: 100%; box-sizing: border-box; padding: 8px 10px; border: 1px solid #d1d5db; border-radius: 8px; font: inherit; }
form label.check { display: flex; gap: 8px; align-items: center; font-weight: 400; } form label.check input { width: auto; }
form button { margin-top: 16px; padding: 8px 16px; border: 0; border-radius: 8px; background: #4f46e5; color: #fff; font: inherit; cursor: pointer; }
</style></head>
<body><header class="bar"><strong>Acme</strong>
<nav><a href="/">Inbox demo</a><a href="/preferences">Preferences</a></nav>
<span class="who">Signed in as ${escapeHtml(d.userId)}</span>
<herald-inbox ${attrs} ${inboxAttrs}></herald-inbox></header>
<main>${main.replace("%ATTRS%", attrs)}</main></body></html>`;
}

export const pages: Record<string, (d: PageData) => string> = {
  "/": (d) =>
    layout(
      d,
      "Inbox",
      `<h1>Send yourself a notification</h1>
<p class="note">Development only: this server sends it with its API key; the page holds only a user token for
${escapeHtml(d.userId)}, as an app embedding &lt;herald-inbox&gt; would.</p>
<form id="send-form"><label for="title">Title</label><input id="title" name="title" required maxlength="200" value="Hello from Herald">
<label for="body">Body</label><textarea id="body" name="body" required maxlength="5000" rows="3">Your first notification.</textarea>
<label for="category">Category</label><input id="category" name="category" value="demo" pattern="[a-z][a-z0-9_\\-]*(\\.[a-z][a-z0-9_\\-]*)*">
<label class="check"><input type="checkbox" name="mention"> Mention me (the Mentions tab)</label>
<label class="check"><input type="checkbox" name="withActions"> With action buttons (Approve, Decline, Details)</label>
<button type="submit">Send</button></form><p id="send-result" role="status"></p>`,
    ),
  "/preferences": (d) => layout(d, "Preferences", "<herald-preferences %ATTRS%></herald-preferences>"),
};
