// A vertical's configuration form, generated from the JSON Schema its
// manifest declares (GET /api/v1/verticals, config_schema): booleans,
// strings (enum as a choice, pattern checked), numbers, arrays of strings
// (comma-separated); anything else is edited as JSON.
import { useState } from "preact/hooks";
import { useApp } from "../app";

/** The part of JSON Schema the form understands. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  description?: string;
  default?: unknown;
  title?: string;
}

type Values = Record<string, string | boolean>;

function kind(s: Schema): "boolean" | "string" | "number" | "list" | "json" {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (t === "boolean") return "boolean";
  if (t === "string") return "string";
  if (t === "number" || t === "integer") return "number";
  if (t === "array" && s.items && (Array.isArray(s.items.type) ? s.items.type.includes("string") : s.items.type === "string")) return "list";
  return "json";
}

function toField(s: Schema, v: unknown): string | boolean {
  switch (kind(s)) {
    case "boolean":
      return v === undefined ? s.default === true : v === true;
    case "list":
      return Array.isArray(v) ? v.join(", ") : "";
    case "json":
      return v === undefined ? "" : JSON.stringify(v);
    default:
      return v === undefined || v === null ? "" : String(v);
  }
}

function fromField(s: Schema, v: string | boolean): unknown {
  switch (kind(s)) {
    case "boolean":
      return v === true;
    case "list":
      return String(v)
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");
    case "number":
      return Number(v);
    case "json":
      return JSON.parse(String(v));
    default:
      return String(v);
  }
}

/** The form; onSave gets the configuration object to PUT. */
export function ConfigForm({ name, schema, config, onSave, onCancel }: { name: string; schema: Schema; config: Record<string, unknown>; onSave: (c: Record<string, unknown>) => void; onCancel: () => void }) {
  const { fmt } = useApp();
  const props = schema.properties ?? {};
  const [values, setValues] = useState<Values>(() => Object.fromEntries(Object.entries(props).map(([k, s]) => [k, toField(s, config[k])])));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const set = (k: string, v: string | boolean) => {
    setValues({ ...values, [k]: v });
    setTouched(new Set(touched).add(k));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const out: Record<string, unknown> = {};
    try {
      for (const [k, s] of Object.entries(props)) {
        const v = values[k];
        if (!(k in config) && !touched.has(k)) continue;
        if (v === "" && kind(s) !== "list") continue;
        out[k] = fromField(s, v);
      }
    } catch (err) {
      setError(String(err));
      return;
    }
    onSave(out);
  };
  return (
    <form onSubmit={submit} class="config-form" aria-label={fmt.t("configuration") + " " + name}>
      {Object.entries(props).map(([k, s]) => {
        const id = `cfg-${name}-${k}`;
        const help = s.description ? id + "-help" : undefined;
        const label = s.title ?? k;
        const v = values[k];
        return (
          <div key={k} class="field">
            {kind(s) === "boolean" ? (
              <label class="inline" for={id}>
                <input id={id} type="checkbox" checked={v === true} aria-describedby={help} onChange={(e) => set(k, (e.target as HTMLInputElement).checked)} />
                {label}
              </label>
            ) : (
              <label for={id}>
                {label}
                {s.enum ? (
                  <select id={id} value={String(v)} aria-describedby={help} onChange={(e) => set(k, (e.target as HTMLSelectElement).value)}>
                    <option value="">—</option>
                    {s.enum.map((o) => (
                      <option key={String(o)} value={String(o)}>
                        {String(o)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={id}
                    value={String(v)}
                    pattern={s.pattern ? s.pattern.replace(/^\^/, "").replace(/\$$/, "") : undefined}
                    inputMode={kind(s) === "number" ? "decimal" : undefined}
                    placeholder={s.default !== undefined ? String(s.default) : undefined}
                    aria-describedby={help}
                    onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
                  />
                )}
              </label>
            )}
            {s.description && (
              <p id={help} class="muted help">
                {s.description}
              </p>
            )}
          </div>
        );
      })}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit">{fmt.t("save")}</button>{" "}
      <button type="button" class="secondary" onClick={onCancel}>
        {fmt.t("cancel")}
      </button>
    </form>
  );
}
