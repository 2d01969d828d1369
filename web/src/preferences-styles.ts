/** Styles of <herald-preferences>; themed with the same custom properties as <herald-inbox>. */
export const preferencesStyles = `
:host {
  --herald-accent: #4f46e5;
  --herald-fg: #111827;
  --herald-muted: #6b7280;
  --herald-border: #e5e7eb;
  display: block;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--herald-fg);
}
h2 { margin: 0 0 4px; font-size: 18px; }
.hint { margin: 0 0 16px; color: var(--herald-muted); }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 10px 12px; border-bottom: 1px solid var(--herald-border); text-align: center; }
th:first-child { text-align: left; font-weight: 600; overflow-wrap: anywhere; }
thead th { font-size: 12px; font-weight: 600; color: var(--herald-muted); text-transform: uppercase; }
input[type="checkbox"] { width: 18px; height: 18px; accent-color: var(--herald-accent); cursor: pointer; }
input.inherited { opacity: 0.55; }
.reset { border: 0; background: none; color: var(--herald-accent); font: inherit; cursor: pointer; }
.add { display: flex; gap: 8px; margin-top: 16px; }
.add input { flex: 1; max-width: 280px; padding: 6px 10px; border: 1px solid var(--herald-border); border-radius: 8px;
  font: inherit; }
.add button { padding: 6px 12px; border: 1px solid var(--herald-accent); border-radius: 8px; background: var(--herald-accent);
  color: #fff; font: inherit; cursor: pointer; }
.quiet { margin-top: 24px; padding-top: 16px; border-top: 1px solid var(--herald-border); }
h3 { margin: 0 0 4px; font-size: 15px; }
.quiet .hint { margin-bottom: 8px; }
.quiet .zone { margin: 8px 0 0; font-size: 12px; }
.quiet-row { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.quiet-row label { display: flex; align-items: center; gap: 6px; }
input[type="time"] { padding: 6px 10px; border: 1px solid var(--herald-border); border-radius: 8px; font: inherit; }
input[type="time"]:disabled { opacity: 0.55; }
.quiet .save { padding: 6px 12px; border: 1px solid var(--herald-accent); border-radius: 8px;
  background: var(--herald-accent); color: #fff; font: inherit; cursor: pointer; }
.status { min-height: 1.4em; margin: 12px 0 0; color: var(--herald-muted); }
.status.error { color: #b91c1c; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
`;
