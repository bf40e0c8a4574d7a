// The client of the host's public API (/api/v1): bearer tokens with
// refresh-token rotation, the platform's error envelope as ApiError.

const REFRESH_KEY = "nexus.refresh";

/** A token pair as login, refresh and switch-company answer it. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  company_id: string;
}

/** An error answered by the host: status and the envelope's code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let access: string | null = null;
let accessExpires = 0;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

/** Calls fn whenever the session starts or ends. */
export function onSession(fn: (signedIn: boolean) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function store(pair: TokenPair) {
  access = pair.access_token;
  // Renew a little before the access token expires.
  accessExpires = Date.now() + Math.max(5, pair.expires_in - 30) * 1000;
  localStorage.setItem(REFRESH_KEY, pair.refresh_token);
}

function clear() {
  access = null;
  accessExpires = 0;
  localStorage.removeItem(REFRESH_KEY);
  listeners.forEach((l) => l(false));
}

/** Whether a refresh token is kept from an earlier visit. */
export function hasStoredSession(): boolean {
  return localStorage.getItem(REFRESH_KEY) !== null;
}

/** Starts a session with a token pair. */
export function startSession(pair: TokenPair) {
  store(pair);
  listeners.forEach((l) => l(true));
}

/**
 * Exchanges the stored refresh token for a new pair (the old one is then
 * spent: the host revokes the session if it is ever presented again). One
 * exchange at a time, shared by every caller.
 */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  const token = localStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!res.ok) {
        clear();
        return false;
      }
      store((await res.json()) as TokenPair);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Logs in; the answer is the token pair. */
export async function login(email: string, password: string): Promise<TokenPair> {
  const pair = await call<TokenPair>("POST", "/auth/login", { email, password }, { anonymous: true });
  startSession(pair);
  return pair;
}

/** Ends the session on the host and here. */
export async function logout() {
  const token = localStorage.getItem(REFRESH_KEY);
  if (token) {
    await fetch("/api/v1/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    }).catch(() => undefined);
  }
  clear();
}

/** Moves the session to another company of the user. */
export async function switchCompany(companyID: string) {
  const pair = await call<TokenPair>("POST", "/auth/switch-company", { company_id: companyID });
  startSession(pair);
}

interface CallOptions {
  anonymous?: boolean;
  headers?: Record<string, string>;
  raw?: BodyInit;
  contentType?: string;
}

/** Calls /api/v1 + path and decodes the JSON answer; errors throw ApiError. */
export async function call<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  if (!opts.anonymous && (!access || Date.now() > accessExpires)) {
    await refresh();
  }
  let res = await send(method, path, body, opts);
  if (res.status === 401 && !opts.anonymous && (await refresh())) {
    res = await send(method, path, body, opts);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = data?.error ?? {};
    if (res.status === 401 && !opts.anonymous) clear();
    throw new ApiError(res.status, e.code ?? "http_" + res.status, e.message ?? res.statusText, e.details);
  }
  return data as T;
}

function send(method: string, path: string, body: unknown, opts: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (!opts.anonymous && access) headers.Authorization = "Bearer " + access;
  let payload: BodyInit | undefined = opts.raw;
  if (payload !== undefined) {
    if (opts.contentType) headers["Content-Type"] = opts.contentType;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  return fetch("/api/v1" + path, { method, headers, body: payload });
}

/** GETs /api/v1 + path as a file (a printable receipt); errors throw ApiError. */
export async function download(path: string): Promise<Blob> {
  if (!access || Date.now() > accessExpires) await refresh();
  let res = await send("GET", path, undefined, {});
  if (res.status === 401 && (await refresh())) res = await send("GET", path, undefined, {});
  if (!res.ok) {
    const data = await res.json().catch(() => undefined);
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? "http_" + res.status, e.message ?? res.statusText, e.details);
  }
  return res.blob();
}

/** The platform's list page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Builds a query string from the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

/** A random Idempotency-Key for a write that may be retried. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
