/**
 * Styles of <herald-inbox>. Colours and sizes come from custom properties, so
 * the host page can theme the element without reaching into its shadow root;
 * `::part(bell)`, `::part(badge)`, `::part(panel)` and `::part(item)` allow more.
 */
export const inboxStyles = `
:host {
  --herald-accent: #4f46e5;
  --herald-badge: #dc2626;
  --herald-bg: #ffffff;
  --herald-fg: #111827;
  --herald-muted: #6b7280;
  --herald-border: #e5e7eb;
  --herald-unread-bg: #eef2ff;
  --herald-panel-width: 380px;
  position: relative;
  display: inline-block;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--herald-fg);
}
button { font: inherit; color: inherit; cursor: pointer; }
.bell {
  position: relative; display: grid; place-items: center; width: 40px; height: 40px;
  border: 1px solid var(--herald-border); border-radius: 999px; background: var(--herald-bg);
}
.bell:hover { border-color: var(--herald-accent); }
.bell:focus-visible, .open:focus-visible, .archive:focus-visible, .mark-all:focus-visible, .push-toggle:focus-visible {
  outline: 2px solid var(--herald-accent); outline-offset: 2px;
}
.bell svg { width: 20px; height: 20px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 18px; height: 18px; padding: 0 5px;
  box-sizing: border-box; border-radius: 999px; background: var(--herald-badge); color: #fff;
  font-size: 11px; font-weight: 600; line-height: 18px; text-align: center;
}
.badge[hidden], .panel[hidden], .status[hidden], .empty[hidden], .more[hidden], .push[hidden],
.push-message[hidden] { display: none; }
.panel {
  position: absolute; right: 0; top: calc(100% + 8px); z-index: 1000; width: var(--herald-panel-width);
  max-width: calc(100vw - 16px); background: var(--herald-bg); border: 1px solid var(--herald-border);
  border-radius: 12px; box-shadow: 0 12px 32px rgba(17, 24, 39, 0.16); overflow: hidden;
}
header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px;
  border-bottom: 1px solid var(--herald-border); }
h2 { margin: 0; font-size: 15px; }
.mark-all { border: 0; background: none; color: var(--herald-accent); padding: 4px; }
.mark-all:disabled { color: var(--herald-muted); cursor: default; }
.status { margin: 0; padding: 6px 16px; background: #fef3c7; color: #92400e; font-size: 12px; }
.list { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow-y: auto; }
.item { display: flex; align-items: stretch; border-bottom: 1px solid var(--herald-border); }
.item.unread { background: var(--herald-unread-bg); }
.open { flex: 1; display: flex; gap: 10px; min-width: 0; padding: 12px 4px 12px 16px; border: 0;
  background: none; text-align: left; }
.dot { flex: none; width: 8px; height: 8px; margin-top: 6px; border-radius: 999px; background: transparent; }
.unread .dot { background: var(--herald-accent); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.text { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.title { font-weight: 600; overflow-wrap: anywhere; }
.read .title { font-weight: 500; }
.body { color: var(--herald-fg); overflow-wrap: anywhere; white-space: pre-line; }
.meta { color: var(--herald-muted); font-size: 12px; }
.archive { flex: none; align-self: center; width: 32px; height: 32px; margin-right: 8px; border: 0;
  border-radius: 8px; background: none; color: var(--herald-muted); }
.archive:hover { background: var(--herald-border); color: var(--herald-fg); }
.archive svg { width: 16px; height: 16px; }
.empty, .more { margin: 0; padding: 24px 16px; color: var(--herald-muted); text-align: center; }
.more { padding: 10px 16px; font-size: 12px; }
.push { padding: 8px 16px; border-top: 1px solid var(--herald-border); }
.push-toggle { border: 0; background: none; color: var(--herald-accent); padding: 4px 0; }
.push-toggle:disabled { color: var(--herald-muted); cursor: default; }
.push-message { margin: 4px 0 0; color: #92400e; font-size: 12px; }
`;
