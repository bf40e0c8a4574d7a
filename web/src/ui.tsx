// Small shared pieces: async loading, error text, the page frame.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";

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
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The message of an error for people. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message + " (" + e.code + ")";
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

/** A titled card. */
export function Card({ title, children, class: cls, id }: { title: string; children: ComponentChildren; class?: string; id?: string }) {
  const hid = (id ?? title.replace(/\W+/g, "-").toLowerCase()) + "-h";
  return (
    <section class={"card " + (cls ?? "")} aria-labelledby={hid} id={id}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}
