// The rules the bundle adds to the app's own stylesheet (whose classes it
// uses: card, grid, row, num, mono, muted, alert, ok...): its layouts, the
// point of sale's and the 80 mm receipt's. Added once to the document
// when a page or widget mounts.

const css = `
.grid > .card.wide { grid-column: 1 / -1; }
ul.plain { list-style: none; padding: 0; margin: 0 0 0.75rem; }
ul.plain li { padding: 0.2rem 0; }
.filters { margin-bottom: 0.75rem; }
td button, th button { white-space: nowrap; }
fieldset.variant, fieldset.lines, fieldset.attrs { border: 1px solid var(--line, #d0d7de); border-radius: 6px; padding: 0.5rem 0.75rem; margin-bottom: 0.75rem; }
fieldset.variant legend, fieldset.lines legend, fieldset.attrs legend { font-weight: 600; padding: 0 0.25rem; }
.lines .row label, .variant label, .attrs .row label { flex: 1 1 10rem; }

/* the point of sale */
.tabs { display: flex; gap: 0.25rem; margin-bottom: 1rem; }
.tab { background: #fff; color: var(--accent); }
.tab.on { background: var(--accent); color: #fff; }
.pos-grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(18rem, 2fr); gap: 1rem; align-items: start; }
@media (max-width: 900px) { .pos-grid { grid-template-columns: 1fr; } }
.scan input { font-size: 1.3rem; min-height: 3rem; width: 100%; }
.scan { margin-bottom: 1rem; }
.results { list-style: none; padding: 0; display: flex; flex-direction: column; gap: 0.25rem; }
.results button { width: 100%; text-align: left; }
.totals { display: grid; grid-template-columns: 1fr auto; gap: 0.3rem 1rem; margin: 0.75rem 0; }
.totals dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.totals .big { font-size: 1.25rem; font-weight: 700; }
.tender input { width: 8rem; }

/* the receipt, printed on 80 mm paper */
.receipt-wrap .actions { display: flex; gap: 0.5rem; margin-bottom: 1rem; }
.receipt { width: 80mm; max-width: 100%; background: #fff; color: #000; padding: 4mm; border: 1px dashed #999; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.receipt header { text-align: center; margin-bottom: 3mm; display: flex; flex-direction: column; gap: 1mm; }
.receipt td, .receipt th { border: 0; padding: 1mm 0; }
.receipt .muted { color: #333; }
.receipt .totals .big { font-size: 14px; }
@media print {
  @page { size: 80mm auto; margin: 0; }
  .tabs { display: none !important; }
  .receipt { border: 0; width: 80mm; }
}
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
