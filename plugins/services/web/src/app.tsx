// What every page and widget of the bundle reads: the shell's context
// (web/src/vertical.d.ts, the host's UI contract) and helpers over it.
import { createContext, render, type ComponentChildren, type ComponentType } from "preact";
import { useCallback, useContext, useEffect, useState } from "preact/hooks";
import type { Mount, VerticalApiError, VerticalContext } from "../../../../web/src/vertical";
import { type Key, translate } from "./i18n";

export type { Mount };

/** The vertical's routes, relative to /api/v1. */
export const API = "/verticals/services";

const Ctx = createContext<VerticalContext | null>(null);

/** Renders Component into the shell's element; the cleanup unmounts it. */
export function mount(Component: ComponentType): Mount {
  return (el, ctx) => {
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

/** The page's context with its helpers. */
export function useApp() {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useApp outside a mounted page");
  const dash = (f: (s: string) => string) => (s: string | null | undefined) => (s === null || s === undefined || s === "" ? "—" : f(s));
  return {
    ctx,
    api: <T,>(method: string, path: string, body?: unknown, opts?: { idempotencyKey?: string }) => ctx.api<T>(method, API + path, body, opts),
    /** Whether the user's role is at least min; the API checks it anyway. */
    can: (min: string) => (ranks[ctx.user.role] ?? 0) >= (ranks[min] ?? 99),
    t: (key: Key, vars?: Record<string, string | number>) => translate(ctx.lang, key, vars),
    m: (amount: string | null | undefined, currency?: string) => (amount ? ctx.fmt.money(amount, currency) : "—"),
    date: dash((s) => ctx.fmt.date(s)),
    dateTime: dash((s) => ctx.fmt.dateTime(s)),
  };
}

/** The platform's list page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

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

/** Every page of a list (limit 500 each): the pages are small lists of a company's contracts or clients. */
export async function all<T>(get: (cursor: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor = "";
  do {
    const p = await get(cursor);
    out.push(...p.data);
    cursor = p.next_cursor ?? "";
  } while (cursor);
  return out;
}

function isApiError(e: unknown): e is VerticalApiError {
  return e instanceof Error && typeof (e as VerticalApiError).code === "string";
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
export function Ok({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p role="status" class="ok">
      {text}
    </p>
  );
}

/** A titled card, as the app draws them. */
export function Card({ title, id, children }: { title: string; id: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={id + "-h"} id={id}>
      <h2 id={id + "-h"}>{title}</h2>
      {children}
    </section>
  );
}

/** Runs a write, showing its error or a success note, then calls done. */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<string | null>) => {
    setError(null);
    setNote(null);
    setBusy(true);
    try {
      setNote(await fn());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, note, busy, run };
}

/** Today in the company's calendar (YYYY-MM-DD). */
export function today(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(new Date());
}
