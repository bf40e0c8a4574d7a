// Shared pieces of the pages: loading, errors, cards, labelled fields and
// the editor of document lines (a SKU or barcode and a quantity).
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { API, type Page, useApp } from "./app";
import { isApiError } from "./vertical";

/** Loads with fn whenever deps change; reload() loads again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Calls fn every ms while the page is visible. */
export function useEvery(ms: number, fn: () => void) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const id = setInterval(() => document.visibilityState === "visible" && saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** The message of an error for people: the API's own message and code. */
export function errorText(e: unknown): string {
  if (isApiError(e)) return e.message + " (" + e.code + ")";
  if (e instanceof Error) return e.message;
  return String(e);
}

/** An error shown to assistive technology as an alert. */
export function Alert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="alert" role="alert">
      {errorText(error)}
    </p>
  );
}

/** A success note announced politely. */
export function Ok({ text, testid }: { text: string | null; testid?: string }) {
  if (!text) return null;
  return (
    <p role="status" class="ok" data-testid={testid}>
      {text}
    </p>
  );
}

/** A titled card. */
export function Card({ title, children, id, wide }: { title: string; children: ComponentChildren; id: string; wide?: boolean }) {
  return (
    <section class={"card" + (wide ? " wide" : "")} aria-labelledby={id + "-h"} id={id}>
      <h2 id={id + "-h"}>{title}</h2>
      {children}
    </section>
  );
}

/** A labelled text input. */
export function Field(props: { label: string; value: string; onInput: (v: string) => void; required?: boolean; inputMode?: "decimal" | "numeric" | "text" | "email"; name?: string; type?: string }) {
  return (
    <label>
      {props.label}
      <input
        value={props.value}
        name={props.name}
        type={props.type ?? "text"}
        required={props.required}
        inputMode={props.inputMode}
        autocomplete="off"
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}

/** A labelled select over options [value, label]. */
export function Select(props: { label: string; value: string; onChange: (v: string) => void; options: [string, string][]; name?: string; required?: boolean }) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} required={props.required} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A document line being entered: a SKU or barcode, a quantity and maybe an amount. */
export interface LineDraft {
  code: string;
  quantity: string;
  amount: string;
}

/** A resolved document line: the variant and what was entered. */
export interface ResolvedLine {
  variant_id: string;
  sku: string;
  quantity: string;
  amount: string;
}

/** An empty line. */
export const emptyLine = (): LineDraft => ({ code: "", quantity: "", amount: "" });

/**
 * The editor of a document's lines: a SKU or barcode and a quantity per
 * line, and an amount (unit cost or price) when amountLabel is given.
 */
export function LinesEditor({ lines, setLines, amountLabel }: { lines: LineDraft[]; setLines: (l: LineDraft[]) => void; amountLabel?: "costN" | "priceN" }) {
  const { t } = useApp();
  const set = (i: number, patch: Partial<LineDraft>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <fieldset class="lines">
      <legend>{t("lines")}</legend>
      {lines.map((l, i) => (
        <div class="row" key={i}>
          <Field label={t("codeN", { i: i + 1 })} value={l.code} onInput={(v) => set(i, { code: v })} required />
          <Field label={t("qtyN", { i: i + 1 })} value={l.quantity} inputMode="decimal" onInput={(v) => set(i, { quantity: v })} required />
          {amountLabel && <Field label={t(amountLabel, { i: i + 1 })} value={l.amount} inputMode="decimal" onInput={(v) => set(i, { amount: v })} />}
          {lines.length > 1 && (
            <button type="button" class="link" aria-label={t("remove") + " " + (i + 1)} onClick={() => setLines(lines.filter((_, j) => j !== i))}>
              ✕
            </button>
          )}
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => setLines([...lines, emptyLine()])}>
        {t("addLine")}
      </button>
    </fieldset>
  );
}

/** Resolves each line's SKU or barcode to its variant (the POS's scan route). */
export function useResolve() {
  const { api, t } = useApp();
  return async (lines: LineDraft[]): Promise<ResolvedLine[]> =>
    Promise.all(
      lines.map(async (l, i) => {
        const q = l.code.trim();
        try {
          const v = await api<{ variant_id: string; sku: string }>("GET", `${API}/products/scan/${encodeURIComponent(q)}`);
          return { variant_id: v.variant_id, sku: v.sku, quantity: l.quantity.trim(), amount: l.amount.trim() };
        } catch (e) {
          if (isApiError(e) && e.status === 404) throw new Error(t("unknownCode", { i: i + 1, q }));
          throw e;
        }
      }),
    );
}

/** Labels of variants by id (SKU, size, color), fetched once each. */
export function useVariantLabels(ids: string[]) {
  const { api } = useApp();
  const [labels, setLabels] = useState<Record<string, string>>({});
  const key = Array.from(new Set(ids)).sort().join(",");
  useEffect(() => {
    const missing = key ? key.split(",").filter((id) => !(id in labels)) : [];
    if (missing.length === 0) return;
    let live = true;
    Promise.all(
      missing.map((id) =>
        api<{ sku: string; size: string | null; color: string | null }>("GET", `${API}/variants/${id}`).then(
          (v) => [id, [v.sku, v.size, v.color].filter(Boolean).join(" · ")] as const,
          () => [id, id.slice(0, 8)] as const,
        ),
      ),
    ).then((pairs) => live && setLabels((l) => ({ ...l, ...Object.fromEntries(pairs) })));
    return () => {
      live = false;
    };
  }, [key]);
  return (id: string) => labels[id] ?? "…";
}

/** Locations of the company, for selects. */
export function useLocations() {
  const { api } = useApp();
  return useLoad(() => api<Page<{ id: string; name: string; kind: string; is_default: boolean; customer_id: string | null }>>("GET", `${API}/locations?limit=500`), []);
}
