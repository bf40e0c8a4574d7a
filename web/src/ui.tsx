// Small shared pieces: async loading, error text, the page frame.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, type Page } from "./api";

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

/**
 * A form's submit handler: it stops the browser's own submit, clears the
 * previous error, runs fn and keeps what it throws for an Alert.
 */
export function useSubmit(fn: (e: Event) => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await fn(e);
    } catch (err) {
      setError(err);
    }
  };
  return { submit, error, setError };
}

/**
 * A keyset list: first is its first page (as loaded elsewhere); load()
 * reads the next one with fetch and appends it. A new first page starts
 * over.
 */
export function useMore<T>(first: Page<T> | undefined, fetch: (cursor: string) => Promise<Page<T>>) {
  const [more, setMore] = useState<{ data: T[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setMore(null);
    setError(null);
  }, [first]);
  const next = more ? more.next : (first?.next_cursor ?? null);
  const load = async () => {
    if (!next) return;
    setBusy(true);
    try {
      const p = await fetch(next);
      setMore((m) => ({ data: [...(m?.data ?? []), ...p.data], next: p.next_cursor }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { items: [...(first?.data ?? []), ...(more?.data ?? [])], next, load, busy, error };
}

/** A "load more" button for a keyset list, shown while there is more. */
export function More({ list, label }: { list: { next: string | null; load: () => void; busy: boolean; error: unknown }; label: string }) {
  return (
    <>
      <Alert error={list.error} />
      {list.next && (
        <button type="button" class="secondary" disabled={list.busy} onClick={list.load}>
          {label}
        </button>
      )}
    </>
  );
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
