// The few rules the bundle adds to the app's own stylesheet (whose
// classes it uses: card, grid, row, num, mono, muted, alert, ok...),
// added once to the document when a page or widget mounts.

const css = `
.grid > .card.wide { grid-column: 1 / -1; }
ul.plain { list-style: none; padding: 0; margin: 0 0 0.75rem; }
ul.plain li { padding: 0.2rem 0; }
.filters { margin-bottom: 0.75rem; }
td button, th button { white-space: nowrap; }
fieldset.variant, fieldset.lines, fieldset.attrs { border: 1px solid var(--line, #d0d7de); border-radius: 6px; padding: 0.5rem 0.75rem; margin-bottom: 0.75rem; }
fieldset.variant legend, fieldset.lines legend, fieldset.attrs legend { font-weight: 600; padding: 0 0.25rem; }
.lines .row label, .variant label, .attrs .row label { flex: 1 1 10rem; }
`;

const ID = "nexus-cpg-style";

/** Adds the bundle's rules to the document, once. */
export function ensureStyles() {
  if (document.getElementById(ID)) return;
  const el = document.createElement("style");
  el.id = ID;
  el.textContent = css;
  document.head.appendChild(el);
}
