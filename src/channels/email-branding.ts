import type { TenantSettings } from "../domain/tenant-settings.js";

/** A tenant's email layout (TenantSettings.email.branding). */
export type EmailBranding = NonNullable<NonNullable<TenantSettings["email"]>["branding"]>;

/** The parts of one email as the channel sends them. */
export interface EmailParts {
  text: string;
  /** "" for an email without an HTML part. */
  html: string;
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

// Checked again here although TenantService validates them: what reaches an
// HTML attribute or a style must be exactly this shape, whatever the row holds.
const COLOR = /^#[0-9a-fA-F]{6}$/;

function httpsUrl(value: string): string | null {
  if (value === "" || value.length > 2048 || !URL.canParse(value)) return null;
  const url = new URL(value);
  return url.protocol === "https:" && url.hostname !== "" ? url.toString() : null;
}

/**
 * The tenant's layout around a rendered email: a header bar in the primary
 * colour with the logo, the body, then the footer (escaped); the text part
 * gets the footer after a blank line. An email without HTML gets one, made of
 * its text, so every email of the tenant carries the layout. `name` is the
 * logo's alt text (the tenant's name; "logo" when it has none).
 */
export function brandEmail(parts: EmailParts, branding: EmailBranding, name: string): EmailParts {
  const color = COLOR.test(branding.primaryColor) ? branding.primaryColor : null;
  const logo = httpsUrl(branding.logoUrl);
  const footerText = branding.footerText.trim();
  const header =
    color === null && logo === null
      ? ""
      : `<div style="${color === null ? "" : `background-color:${color};`}padding:16px 24px">` +
        (logo === null
          ? ""
          : `<img src="${escapeHtml(logo)}" alt="${escapeHtml(name.trim() || "logo")}" style="max-height:48px;border:0">`) +
        "</div>";
  const footer =
    footerText === ""
      ? ""
      : `<div style="padding:16px 24px;color:#666666;font-size:12px">${escapeHtml(footerText).replace(/\r?\n/g, "<br>")}</div>`;
  const body = parts.html !== "" ? parts.html : textAsHtml(parts.text);
  return {
    text: footerText === "" ? parts.text : `${parts.text}\n\n${footerText}`,
    html: wrap(body, header, footer),
  };
}

/** Puts the header right inside <body> and the footer before </body>; a fragment becomes a whole document. */
function wrap(html: string, header: string, footer: string): string {
  const open = /<body\b[^>]*>/i.exec(html);
  const close = html.search(/<\/body\s*>/i);
  if (open === null || close < open.index) {
    return `<!doctype html><html><body>${header}${html}${footer}</body></html>`;
  }
  const start = open.index + open[0].length;
  return `${html.slice(0, start)}${header}${html.slice(start, close)}${footer}${html.slice(close)}`;
}

function textAsHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

/** The display name of `Name <address>`, or "" for a bare address. */
export function displayName(mailbox: string): string {
  const at = mailbox.lastIndexOf("<");
  if (at < 0) return "";
  const name = mailbox.slice(0, at).trim();
  return /^".*"$/.test(name) ? name.slice(1, -1).replace(/\\(.)/g, "$1") : name;
}
