// The contract between the app (the shell) and a vertical's UI bundle.
// A vertical's bundle is an ES module, index.js, served by the host at
// /ui/v/<vertical>/index.js, that exports `pages` (and optionally
// `widgets`); bundles copy this file or import its types.

/** An error answered by the host: its status and the envelope's code, message and details. */
export interface VerticalApiError extends Error {
  status: number;
  code: string;
  details?: Record<string, unknown>;
}

/** What the app hands every page and widget of a vertical. */
export interface VerticalContext {
  /**
   * Authenticated call to the public API; path relative to /api/v1 (e.g.
   * "/verticals/cpg/sales"). Refreshes tokens like the app; the JSON answer
   * decoded, undefined for a 204; throws a VerticalApiError
   * {status, code, message, details}.
   */
  api<T>(method: string, path: string, body?: unknown, opts?: { idempotencyKey?: string; headers?: Record<string, string> }): Promise<T>;
  company: { id: string; name: string; country: string; currency: string; timezone: string; locale: string };
  user: { id: string; email: string; role: string; platformAdmin: boolean };
  lang: "es" | "en";
  /** The company's formatting (currency, locale, time zone); amounts are decimal strings. */
  fmt: {
    money(amount: string, currency?: string): string;
    number(n: string | number): string;
    /** A calendar day (YYYY-MM-DD) or the day of a timestamp, in the company's time zone. */
    date(iso: string): string;
    dateTime(iso: string): string;
  };
  /** Navigate inside the app, e.g. "/v/cpg/pos" or "/dashboard". */
  navigate(path: string): void;
  /** The rest of the path after /v/{vertical}/{page}/ ("" when none). */
  subpath: string;
  query: URLSearchParams;
}

/** Renders into el; the returned function, if any, is called when the app leaves the page. */
export type Mount = (el: HTMLElement, ctx: VerticalContext) => (() => void) | void;

/** What index.js exports. */
export interface VerticalModule {
  pages: Record<string, Mount>;
  widgets?: Record<string, Mount>;
}
