// The host's UI contract as the shell hands it to a vertical's bundle
// (docs: the host's VerticalContext). The bundle is built on its own, so
// the types are declared here, as the contract states them.

/** An error the API answered: status and the envelope's code, message and details. */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What the shell gives every page and widget of the bundle. */
export interface VerticalContext {
  /** Authenticated call to the public API; path relative to /api/v1. Throws ApiError. */
  api<T>(method: string, path: string, body?: unknown, opts?: { idempotencyKey?: string; headers?: Record<string, string> }): Promise<T>;
  company: { id: string; name: string; country: string; currency: string; timezone: string; locale: string };
  user: { id: string; email: string; role: string; platformAdmin: boolean };
  lang: "es" | "en";
  fmt: { money(amount: string): string; number(n: string | number): string; date(iso: string): string; dateTime(iso: string): string };
  /** Navigates inside the app, e.g. "/v/cpg/pos" or "/dashboard". */
  navigate(path: string): void;
  /** The rest of the path after /v/{vertical}/{page}/. */
  subpath: string;
  query: URLSearchParams;
}

/** A page or widget of the bundle: renders into el, returns its cleanup. */
export type Mount = (el: HTMLElement, ctx: VerticalContext) => (() => void) | void;

/** Whether e is an error the API answered. */
export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && typeof (e as ApiError).status === "number" && typeof (e as ApiError).code === "string";
}
