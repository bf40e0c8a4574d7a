// The catalog: products with their variants and attributes — search,
// create, rename, re-rate, edit attributes, add and edit variants.
import { useState } from "preact/hooks";
import { API, type Page, qs, useApp } from "../app";
import { Alert, Card, Field, Ok, useLoad } from "../ui";

interface Variant {
  id: string;
  sku: string;
  barcode: string | null;
  size: string | null;
  color: string | null;
  price: string;
  cost?: string;
  reorder_point?: string;
  version?: number;
}

interface Product {
  id: string;
  name: string;
  tax_rate: string;
  attributes: Record<string, unknown> | null;
  version: number;
  variants: Variant[];
}

/** The catalog page: the list, or a product at /v/cpg/catalog/{id}. */
export function Catalog() {
  const { t, can, ctx } = useApp();
  const selected = ctx.subpath;
  const open = (id: string) => ctx.navigate("/v/cpg/catalog/" + id);
  return (
    <div>
      <h1>{t("catalog")}</h1>
      <div class="grid">
        {selected ? <ProductDetail id={selected} onBack={() => ctx.navigate("/v/cpg/catalog")} /> : <Products onOpen={open} />}
        {can("manager") && !selected && <NewProduct onCreated={open} />}
      </div>
    </div>
  );
}

function attrText(a: Record<string, unknown> | null): string {
  return Object.entries(a ?? {})
    .map(([k, v]) => k + ": " + (typeof v === "string" ? v : JSON.stringify(v)))
    .join(", ");
}

function Products({ onOpen }: { onOpen: (id: string) => void }) {
  const { api, t, m } = useApp();
  const [f, setF] = useState({ q: "", sku: "", attr: "" });
  const [applied, setApplied] = useState(f);
  const [pages, setPages] = useState<string[]>([""]);
  const list = useLoad(async () => {
    let attributes: string | undefined;
    if (applied.attr.includes("=")) {
      const [k, ...v] = applied.attr.split("=");
      attributes = JSON.stringify({ [k.trim()]: v.join("=").trim() });
    }
    const all: Product[] = [];
    let next: string | null = null;
    for (const cursor of pages) {
      const p: Page<Product> = await api<Page<Product>>("GET", `${API}/products${qs({ q: applied.q, sku: applied.sku, attributes, limit: 50, cursor })}`);
      all.push(...p.data);
      next = p.next_cursor;
    }
    return { all, next };
  }, [applied, pages]);
  return (
    <Card title={t("products")} id="products" wide>
      <form
        class="row filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([""]);
          setApplied(f);
        }}
      >
        <Field label={t("name")} value={f.q} onInput={(q) => setF({ ...f, q })} type="search" />
        <Field label={t("skuPrefix")} value={f.sku} onInput={(sku) => setF({ ...f, sku })} />
        <Field label={t("attrFilter")} value={f.attr} onInput={(attr) => setF({ ...f, attr })} />
        <button type="submit">{t("search")}</button>
      </form>
      <Alert error={list.error} />
      <table data-testid="products">
        <thead>
          <tr>
            <th scope="col">{t("product")}</th>
            <th scope="col">{t("attributes")}</th>
            <th scope="col">{t("variants")}</th>
            <th scope="col" class="num">{t("price")}</th>
            <th scope="col">
              <span class="sr">{t("actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.all.map((p) => (
            <tr key={p.id}>
              <td>{p.name}</td>
              <td class="muted">{attrText(p.attributes)}</td>
              <td class="mono">{p.variants.map((v) => v.sku).join(", ")}</td>
              <td class="num">{p.variants.length > 0 ? m(p.variants[0].price) : "—"}</td>
              <td>
                <button type="button" class="secondary" aria-label={t("open") + " " + p.name} onClick={() => onOpen(p.id)}>
                  {t("open")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.all.length === 0 && <p class="muted">{t("none")}</p>}
      {list.data?.next && (
        <button type="button" class="secondary" onClick={() => setPages([...pages, list.data!.next!])}>
          {t("more")}
        </button>
      )}
    </Card>
  );
}

interface VariantDraft {
  sku: string;
  barcode: string;
  size: string;
  color: string;
  price: string;
  cost: string;
  reorder_point: string;
}

const emptyVariant = (): VariantDraft => ({ sku: "", barcode: "", size: "", color: "", price: "", cost: "", reorder_point: "" });

/** The API body of a variant: blank optional fields left out. */
function variantBody(v: VariantDraft) {
  const out: Record<string, string> = { sku: v.sku.trim(), price: v.price.trim() };
  for (const k of ["barcode", "size", "color", "cost", "reorder_point"] as const) if (v[k].trim()) out[k] = v[k].trim();
  return out;
}

function VariantFields({ v, set, n }: { v: VariantDraft; set: (p: Partial<VariantDraft>) => void; n: number }) {
  const { t } = useApp();
  const label = (k: Parameters<typeof t>[0]) => t(k) + " (" + t("variantN", { i: n }) + ")";
  return (
    <fieldset class="row variant">
      <legend>{t("variantN", { i: n })}</legend>
      <Field label={label("sku")} value={v.sku} onInput={(sku) => set({ sku })} required />
      <Field label={label("barcode")} value={v.barcode} inputMode="numeric" onInput={(barcode) => set({ barcode })} />
      <Field label={label("size")} value={v.size} onInput={(size) => set({ size })} />
      <Field label={label("color")} value={v.color} onInput={(color) => set({ color })} />
      <Field label={label("price")} value={v.price} inputMode="decimal" onInput={(price) => set({ price })} required />
      <Field label={label("cost")} value={v.cost} inputMode="decimal" onInput={(cost) => set({ cost })} />
      <Field label={label("reorderPoint")} value={v.reorder_point} inputMode="decimal" onInput={(reorder_point) => set({ reorder_point })} />
    </fieldset>
  );
}

type Attr = { key: string; value: string };

function AttributesEditor({ attrs, setAttrs }: { attrs: Attr[]; setAttrs: (a: Attr[]) => void }) {
  const { t } = useApp();
  const set = (i: number, p: Partial<Attr>) => setAttrs(attrs.map((a, j) => (j === i ? { ...a, ...p } : a)));
  return (
    <fieldset class="attrs">
      <legend>{t("attributes")}</legend>
      {attrs.map((a, i) => (
        <div class="row" key={i}>
          <Field label={t("attrKey", { i: i + 1 })} value={a.key} onInput={(key) => set(i, { key })} />
          <Field label={t("attrValue", { i: i + 1 })} value={a.value} onInput={(value) => set(i, { value })} />
          <button type="button" class="link" aria-label={t("removeAttr", { i: i + 1 })} onClick={() => setAttrs(attrs.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => setAttrs([...attrs, { key: "", value: "" }])}>
        {t("addAttribute")}
      </button>
    </fieldset>
  );
}

function attrObject(attrs: Attr[]): Record<string, string> {
  return Object.fromEntries(attrs.filter((a) => a.key.trim()).map((a) => [a.key.trim(), a.value.trim()]));
}

function NewProduct({ onCreated }: { onCreated: (id: string) => void }) {
  const { api, t } = useApp();
  const [name, setName] = useState("");
  const [tax, setTax] = useState("");
  const [attrs, setAttrs] = useState<Attr[]>([]);
  const [variants, setVariants] = useState<VariantDraft[]>([emptyVariant()]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const p = await api<{ id: string }>("POST", `${API}/products`, {
        name: name.trim(),
        ...(tax.trim() ? { tax_rate: tax.trim() } : {}),
        attributes: attrObject(attrs),
        variants: variants.map(variantBody),
      });
      setName("");
      setTax("");
      setAttrs([]);
      setVariants([emptyVariant()]);
      onCreated(p.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("newProduct")} id="new-product" wide>
      <form onSubmit={submit} aria-label={t("newProduct")}>
        <div class="row">
          <Field label={t("name")} value={name} onInput={setName} required />
          <Field label={t("taxRate")} value={tax} inputMode="decimal" onInput={setTax} />
        </div>
        <AttributesEditor attrs={attrs} setAttrs={setAttrs} />
        {variants.map((v, i) => (
          <VariantFields key={i} v={v} n={i + 1} set={(p) => setVariants(variants.map((x, j) => (j === i ? { ...x, ...p } : x)))} />
        ))}
        <div class="row">
          <button type="button" class="secondary" onClick={() => setVariants([...variants, emptyVariant()])}>
            {t("addVariant")}
          </button>
          {variants.length > 1 && (
            <button type="button" class="secondary" onClick={() => setVariants(variants.slice(0, -1))}>
              {t("remove") + " " + t("variantN", { i: variants.length })}
            </button>
          )}
        </div>
        <Alert error={error} />
        <button type="submit" disabled={busy}>
          {t("create")}
        </button>
      </form>
    </Card>
  );
}

function ProductDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const { api, t, m, n, can } = useApp();
  const p = useLoad(() => api<Product>("GET", `${API}/products/${id}`), [id]);
  const [edit, setEdit] = useState<{ name: string; tax: string; attrs: Attr[] } | null>(null);
  const [newVariant, setNewVariant] = useState<VariantDraft>(emptyVariant());
  const [vEdit, setVEdit] = useState<Record<string, { price: string; reorder_point: string }>>({});
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    setOk(null);
    try {
      await fn();
      setOk(t("saved"));
      p.reload();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  if (p.error) return <Alert error={p.error} />;
  if (!p.data) return <p>{t("loading")}</p>;
  const prod = p.data;
  const manager = can("manager");
  const form = edit ?? { name: prod.name, tax: prod.tax_rate, attrs: Object.entries(prod.attributes ?? {}).map(([key, value]) => ({ key, value: String(value) })) };
  return (
    <Card title={prod.name} id="product" wide>
      <button type="button" class="secondary" onClick={onBack}>
        {t("back")}
      </button>
      <Alert error={error} />
      <Ok text={ok} testid="product-saved" />
      {manager && (
        <form
          aria-label={t("editProduct")}
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run(() => api("PATCH", `${API}/products/${id}`, { name: form.name.trim(), tax_rate: form.tax.trim(), attributes: attrObject(form.attrs), version: prod.version }))) setEdit(null);
          }}
        >
          <div class="row">
            <Field label={t("name")} value={form.name} onInput={(name) => setEdit({ ...form, name })} required />
            <Field label={t("taxRate")} value={form.tax} inputMode="decimal" onInput={(tax) => setEdit({ ...form, tax })} />
          </div>
          <AttributesEditor attrs={form.attrs} setAttrs={(attrs) => setEdit({ ...form, attrs })} />
          <button type="submit">{t("save")}</button>
        </form>
      )}
      {!manager && <p class="muted">{attrText(prod.attributes)}</p>}
      <h3>{t("variants")}</h3>
      <table data-testid="variants">
        <thead>
          <tr>
            <th scope="col">{t("sku")}</th>
            <th scope="col">{t("barcode")}</th>
            <th scope="col">{t("size")}</th>
            <th scope="col">{t("color")}</th>
            <th scope="col" class="num">{t("price")}</th>
            <th scope="col" class="num">{t("cost")}</th>
            <th scope="col" class="num">{t("reorderPoint")}</th>
            {manager && (
              <th scope="col">
                <span class="sr">{t("actions")}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {prod.variants.map((v) => {
            const ed = vEdit[v.id];
            return (
              <tr key={v.id}>
                <td class="mono">{v.sku}</td>
                <td class="mono">{v.barcode ?? ""}</td>
                <td>{v.size ?? ""}</td>
                <td>{v.color ?? ""}</td>
                <td class="num">
                  {ed ? <input class="qty" aria-label={t("price") + " " + v.sku} inputMode="decimal" value={ed.price} onInput={(e) => setVEdit({ ...vEdit, [v.id]: { ...ed, price: (e.target as HTMLInputElement).value } })} /> : m(v.price)}
                </td>
                <td class="num">{m(v.cost)}</td>
                <td class="num">
                  {ed ? <input class="qty" aria-label={t("reorderPoint") + " " + v.sku} inputMode="decimal" value={ed.reorder_point} onInput={(e) => setVEdit({ ...vEdit, [v.id]: { ...ed, reorder_point: (e.target as HTMLInputElement).value } })} /> : n(v.reorder_point)}
                </td>
                {manager && (
                  <td>
                    {ed ? (
                      <button
                        type="button"
                        aria-label={t("save") + " " + v.sku}
                        onClick={async () => {
                          if (await run(() => api("PATCH", `${API}/variants/${v.id}`, { price: ed.price.trim(), reorder_point: ed.reorder_point.trim() }))) {
                            const { [v.id]: _, ...rest } = vEdit;
                            setVEdit(rest);
                          }
                        }}
                      >
                        {t("save")}
                      </button>
                    ) : (
                      <button type="button" class="secondary" aria-label={t("editProduct") + " " + v.sku} onClick={() => setVEdit({ ...vEdit, [v.id]: { price: v.price, reorder_point: v.reorder_point ?? "0" } })}>
                        ✎
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {manager && (
        <form
          aria-label={t("addVariant")}
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run(() => api("POST", `${API}/products/${id}/variants`, variantBody(newVariant)))) setNewVariant(emptyVariant());
          }}
        >
          <VariantFields v={newVariant} n={prod.variants.length + 1} set={(x) => setNewVariant({ ...newVariant, ...x })} />
          <button type="submit">{t("addVariant")}</button>
        </form>
      )}
    </Card>
  );
}
