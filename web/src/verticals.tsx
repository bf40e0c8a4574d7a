// The verticals' pages and dashboard cards: what GET /api/v1/ui lists for
// the company and the caller's role, each vertical's bundle loaded with
// import() once, and the VerticalContext handed to its pages.
import { useEffect, useRef, useState } from "preact/hooks";
import { call } from "./api";
import { useApp, type Ctx } from "./app";
import type { Lang } from "./i18n";
import { Alert, Card } from "./ui";
import type { Mount, VerticalContext, VerticalModule } from "./vertical";

/** A menu entry as GET /api/v1/ui lists it. */
export interface UIEntry {
  page: string;
  path: string;
  label: Record<string, string>;
  section: string;
  min_role: string;
}

/** A vertical's contribution as GET /api/v1/ui lists it. */
export interface VerticalUI {
  name: string;
  version: string;
  bundle: string;
  hash: string;
  menu: UIEntry[];
  widgets: { key: string; title: Record<string, string>; min_role: string }[];
}

/** Loads the verticals' UI for the signed-in company. */
export async function loadUI(): Promise<VerticalUI[]> {
  return (await call<{ verticals: VerticalUI[] }>("GET", "/ui")).verticals;
}

/** The menu sections in the order the app shows them. */
export const sections = ["operate", "catalog", "inventory", "purchasing", "billing", "reports", "admin"] as const;

/** A text of the vertical in lang, or in the other language. */
export function textIn(text: Record<string, string>, lang: Lang): string {
  return text[lang] ?? text.es ?? Object.values(text)[0] ?? "";
}

const modules = new Map<string, Promise<VerticalModule>>();

/** The vertical's module, imported once per bundle URL (the URL carries its hash). */
function bundle(v: VerticalUI): Promise<VerticalModule> {
  let m = modules.get(v.bundle);
  if (!m) {
    m = import(/* @vite-ignore */ v.bundle) as Promise<VerticalModule>;
    m.catch(() => modules.delete(v.bundle));
    modules.set(v.bundle, m);
  }
  return m;
}

/** The context a vertical's page or widget gets. */
function verticalContext(ctx: Ctx, subpath: string, query: URLSearchParams): VerticalContext {
  const { me, company, fmt } = ctx;
  return {
    api: (method, path, body, opts = {}) => {
      const headers = { ...opts.headers };
      if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
      return call(method, path, body, { headers });
    },
    company: { id: company.id, name: company.name, country: company.country, currency: company.currency, timezone: company.timezone, locale: fmt.locale },
    user: { id: me.user_id, email: me.email, role: me.role, platformAdmin: me.platform_admin },
    lang: fmt.lang,
    fmt: {
      money: (amount, currency) => fmt.m(amount, currency),
      number: (n) => fmt.n(String(n)),
      date: (iso) => fmt.date(iso),
      dateTime: (iso) => fmt.dateTime(iso),
    },
    navigate: ctx.navigate,
    subpath,
    query,
  };
}

/** Mounts fn into a div of its own, again whenever key changes, and cleans up after it. */
function Mounted({ load, ctx, mountKey, label }: { load: () => Promise<Mount | undefined>; ctx: () => VerticalContext; mountKey: string; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cleanup: (() => void) | void;
    let live = true;
    setError(null);
    load().then(
      (fn) => {
        if (!live || !el.current) return;
        if (!fn) throw new Error(label);
        cleanup = fn(el.current, ctx());
      },
    ).catch((e) => live && setError(e));
    return () => {
      live = false;
      if (typeof cleanup === "function") cleanup();
      if (el.current) el.current.replaceChildren();
    };
  }, [mountKey]);
  return (
    <>
      <Alert error={error} />
      <div ref={el} class="vertical-mount" />
    </>
  );
}

/** The page at /v/{vertical}/{page}[/{subpath}], if the menu lists it for the caller. */
export function VerticalPage({ vertical, entry, subpath }: { vertical: VerticalUI; entry: UIEntry; subpath: string }) {
  const ctx = useApp();
  const search = location.search;
  const { fmt } = ctx;
  return (
    <Mounted
      mountKey={[vertical.bundle, entry.page, subpath, search, fmt.lang, ctx.company.id].join("|")}
      label={fmt.t("pageMissing")}
      load={async () => (await bundle(vertical)).pages?.[entry.page]}
      ctx={() => verticalContext(ctx, subpath, new URLSearchParams(search))}
    />
  );
}

/** The dashboard cards the company's verticals contribute for the caller's role. */
export function VerticalWidgets({ verticals }: { verticals: VerticalUI[] }) {
  const ctx = useApp();
  const { fmt } = ctx;
  return (
    <>
      {verticals.flatMap((v) =>
        v.widgets.map((w) => (
          <Card key={v.name + "/" + w.key} id={"widget-" + v.name + "-" + w.key} title={textIn(w.title, fmt.lang)}>
            <Mounted
              mountKey={[v.bundle, w.key, fmt.lang, ctx.company.id].join("|")}
              label={fmt.t("pageMissing")}
              load={async () => (await bundle(v)).widgets?.[w.key]}
              ctx={() => verticalContext(ctx, "", new URLSearchParams())}
            />
          </Card>
        )),
      )}
    </>
  );
}

/** Finds the menu entry of an app path /v/{vertical}/{page}[/{subpath}]. */
export function matchVerticalPath(verticals: VerticalUI[], path: string): { vertical: VerticalUI; entry: UIEntry; subpath: string } | "unknown" | null {
  const m = /^\/v\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (!m) return null;
  const vertical = verticals.find((v) => v.name === m[1]);
  const entry = vertical?.menu.find((e) => e.page === m[2]);
  if (!vertical || !entry) return "unknown";
  return { vertical, entry, subpath: m[3] ?? "" };
}
