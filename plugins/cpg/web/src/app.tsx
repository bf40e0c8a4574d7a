// What every page and widget of the bundle reads: the shell's context and
// helpers over it (texts, formatting, the vertical's API, roles).
import { createContext, render, type ComponentType } from "preact";
import { useContext } from "preact/hooks";
import { isKey, type Key, translate } from "./i18n";
import { ensureStyles } from "./styles";
import type { Mount, VerticalContext } from "./vertical";

/** The vertical's routes, relative to /api/v1. */
export const API = "/verticals/cpg";

const Ctx = createContext<VerticalContext | null>(null);

/** Renders Component into the shell's element; the cleanup unmounts it. */
export function mount(Component: ComponentType): Mount {
  return (el, ctx) => {
    ensureStyles();
    render(
      <Ctx.Provider value={ctx}>
        <Component />
      </Ctx.Provider>,
      el,
    );
    return () => render(null, el);
  };
}

const ranks: Record<string, number> = { viewer: 1, cashier: 2, manager: 3, admin: 4, owner: 5 };

/** Whether role is at least min (viewer < cashier < manager < admin < owner). */
export function atLeast(role: string, min: string): boolean {
  return (ranks[role] ?? 0) >= (ranks[min] ?? 99);
}

/** The page's context with its helpers. */
export function useApp() {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useApp outside a mounted page");
  const dash = (f: (s: string) => string) => (s: string | null | undefined) => (s === null || s === undefined || s === "" ? "—" : f(s));
  return {
    ctx,
    api: ctx.api.bind(ctx),
    role: ctx.user.role,
    can: (min: string) => atLeast(ctx.user.role, min),
    t: (key: Key, vars?: Record<string, string | number>) => translate(ctx.lang, key, vars),
    /** A status or kind from the API in words, the raw value when unknown. */
    word: (prefix: string, value: string) => {
      const k = prefix + value;
      return isKey(k) ? translate(ctx.lang, k) : value;
    },
    m: dash((s) => ctx.fmt.money(s)),
    n: dash((s) => ctx.fmt.number(s)),
    dateTime: dash((s) => ctx.fmt.dateTime(s)),
    date: dash((s) => ctx.fmt.date(s)),
  };
}

/** The query string of the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

/** The platform's list page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** A random Idempotency-Key for a write that may be retried. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** Today in the company's calendar (YYYY-MM-DD), shifted by days. */
export function today(timeZone: string, offsetDays = 0): string {
  const d = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(new Date());
  if (offsetDays === 0) return d;
  const x = new Date(d + "T12:00:00Z");
  x.setUTCDate(x.getUTCDate() + offsetDays);
  return x.toISOString().slice(0, 10);
}
