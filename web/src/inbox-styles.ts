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
  --herald-muted: #636a77; /* 4.5:1 or more on the unread background too */
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
.bell:focus-visible, .open:focus-visible, .archive:focus-visible, .mark-all:focus-visible, .push-toggle:focus-visible,
.snooze:focus-visible, .action:focus-visible, .tab:focus-visible, .snooze-choice:focus-visible {
  outline: 2px solid var(--herald-accent); outline-offset: 2px;
}
.bell svg { width: 20px; height: 20px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 18px; height: 18px; padding: 0 5px;
  box-sizing: border-box; border-radius: 999px; background: var(--herald-badge); color: #fff;
  font-size: 11px; font-weight: 600; line-height: 18px; text-align: center;
}
.badge[hidden], .panel[hidden], .status[hidden], .empty[hidden], .more[hidden], .push[hidden],
.push-message[hidden], .tabs[hidden], .count[hidden], .actions[hidden], .taken[hidden],
.snooze-menu[hidden] { display: none; }
.panel {
  position: absolute; right: 0; top: calc(100% + 8px); z-index: 1000; width: var(--herald-panel-width);
  max-width: calc(100vw - 16px); background: var(--herald-bg); border: 1px solid var(--herald-border);
  border-radius: 12px; box-shadow: 0 12px 32px rgba(17, 24, 39, 0.16); overflow: hidden;
}
.header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px;
  border-bottom: 1px solid var(--herald-border); }
h2 { margin: 0; font-size: 15px; }
.mark-all { border: 0; background: none; color: var(--herald-accent); padding: 4px; }
.mark-all:disabled { color: var(--herald-muted); cursor: default; }
.status { margin: 0; padding: 6px 16px; background: #fef3c7; color: #92400e; font-size: 12px; }
.list { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow-y: auto; }
.tabs { display: flex; gap: 4px; padding: 6px 12px 0; border-bottom: 1px solid var(--herald-border); overflow-x: auto; }
.tab { display: inline-flex; align-items: center; gap: 6px; padding: 6px 8px 8px; border: 0;
  border-bottom: 2px solid transparent; background: none; color: var(--herald-muted); white-space: nowrap; }
.tab[aria-selected="true"] { color: var(--herald-fg); border-bottom-color: var(--herald-accent); font-weight: 600; }
.count { min-width: 18px; padding: 0 6px; box-sizing: border-box; border-radius: 999px; background: var(--herald-border);
  color: var(--herald-fg); font-size: 11px; font-weight: 600; line-height: 18px; text-align: center; }
.tab[aria-selected="true"] .count { background: var(--herald-accent); color: #fff; }
.item { border-bottom: 1px solid var(--herald-border); }
.row { display: flex; align-items: stretch; }
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
.archive, .snooze { flex: none; align-self: center; width: 32px; height: 32px; border: 0;
  border-radius: 8px; background: none; color: var(--herald-muted); }
.archive { margin-right: 8px; }
.archive:hover, .snooze:hover, .snooze[aria-expanded="true"] { background: var(--herald-border); color: var(--herald-fg); }
.archive svg, .snooze svg { width: 16px; height: 16px; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 16px 10px 34px; }
.action { padding: 4px 10px; border: 1px solid var(--herald-border); border-radius: 8px; background: var(--herald-bg);
  color: var(--herald-fg); font-size: 13px; text-decoration: none; }
.action:hover { border-color: var(--herald-accent); }
.action.link { color: var(--herald-accent); }
.action.chosen { border-color: var(--herald-accent); background: var(--herald-accent); color: #fff; }
.taken { margin: -4px 0 0; padding: 0 16px 10px 34px; color: var(--herald-muted); font-size: 12px; }
.snooze-menu { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 0 16px 10px 34px; }
.snooze-title { color: var(--herald-muted); font-size: 12px; }
.snooze-choice { padding: 4px 10px; border: 1px solid var(--herald-border); border-radius: 999px;
  background: var(--herald-bg); font-size: 13px; }
.snooze-choice:hover, .snooze-choice:focus { border-color: var(--herald-accent); }
.empty, .more { margin: 0; padding: 24px 16px; color: var(--herald-muted); text-align: center; }
.more { padding: 10px 16px; font-size: 12px; }
.push { padding: 8px 16px; border-top: 1px solid var(--herald-border); }
.push-toggle { border: 0; background: none; color: var(--herald-accent); padding: 4px 0; }
.push-toggle:disabled { color: var(--herald-muted); cursor: default; }
.push-message { margin: 4px 0 0; color: #92400e; font-size: 12px; }
`;
