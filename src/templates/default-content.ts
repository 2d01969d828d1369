import type { ContentByChannel } from "../domain/content.js";
import type { NotificationContent } from "../domain/notification.js";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/**
 * What each channel says for a Send without a template: the title and body,
 * and the action URL as a link where the channel has room for one.
 */
export function defaultContent(n: NotificationContent): ContentByChannel {
  const link = n.actionUrl === "" ? "" : `\n\n${n.actionUrl}`;
  const htmlLink =
    n.actionUrl === "" ? "" : `<p><a href="${escapeHtml(n.actionUrl)}">${escapeHtml(n.actionUrl)}</a></p>`;
  const paragraphs = n.body
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
  return {
    in_app: { title: n.title, body: n.body },
    email: {
      subject: n.title,
      text: `${n.body}${link}`,
      html: `<!doctype html><html><body><h1>${escapeHtml(n.title)}</h1>${paragraphs}${htmlLink}</body></html>`,
    },
    sms: { text: `${n.title}: ${n.body}${link}`.slice(0, 1600) },
    push: { title: n.title, body: n.body },
  };
}
