/**
 * The Herald browser elements. Loading this module defines
 * `<herald-inbox>` and `<herald-preferences>` (once, so two copies of the
 * bundle on one page do not clash).
 */
import { HeraldInboxElement } from "./herald-inbox.js";
import { HeraldPreferencesElement } from "./herald-preferences.js";

export { createHeraldClient, type HeraldClient, type HeraldClientOptions } from "./herald-client.js";
export { HeraldInboxElement, HeraldPreferencesElement };

if (!customElements.get("herald-inbox")) customElements.define("herald-inbox", HeraldInboxElement);
if (!customElements.get("herald-preferences")) customElements.define("herald-preferences", HeraldPreferencesElement);
