// The Nexus browser app: sign-in, then the screens a role may reach.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import "./style.css";
import { call, hasStoredSession, logout, onSession, refresh, switchCompany } from "./api";
import { AppContext, atLeast, useApp, type Company, type Ctx, type Me } from "./app";
import { Fmt, type Key, type Lang, storedLang, storeLang } from "./i18n";
import { Login } from "./pages/Login";
import { Dashboard } from "./pages/Dashboard";
import { Admin } from "./pages/Admin";
import { Finance } from "./pages/Finance";
import { Companies } from "./pages/Companies";
import { Alert } from "./ui";
import { loadUI, matchVerticalPath, sections, textIn, VerticalPage, type UIEntry, type VerticalUI } from "./verticals";

interface Screen {
  path: string;
  label: Key;
  min: string;
  view: () => preact.JSX.Element;
}

const screens: Screen[] = [
  { path: "/", label: "navDashboard", min: "viewer", view: () => <Dashboard /> },
  { path: "/finance", label: "navFinance", min: "viewer", view: () => <Finance /> },
  { path: "/admin", label: "navAdmin", min: "admin", view: () => <Admin /> },
];

// Platform administration, for platform admins whatever their company role.
const companiesScreen: Screen = { path: "/companies", label: "navCompanies", min: "", view: () => <Companies /> };

/** Whether the signed-in user may open screen s (outside a company, the companies screen only). */
function mayOpen(me: Me, s: Screen): boolean {
  if (s === companiesScreen) return me.platform_admin;
  return me.company_id !== null && atLeast(me.role, s.min);
}

// usePath is the app's path and a way to change it; a change of the query
// alone renders again too (a vertical's page reads it).
function usePath(): [string, (p: string) => void, (p: string) => void] {
  const here = () => location.pathname + location.search;
  const [loc, setLoc] = useState(here());
  useEffect(() => {
    const on = () => setLoc(here());
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  const navigate = (p: string) => {
    if (p !== here()) history.pushState(null, "", p);
    setLoc(here());
  };
  const replace = (p: string) => {
    history.replaceState(null, "", p);
    setLoc(here());
  };
  return [loc.split("?")[0], navigate, replace];
}

function App() {
  const [path, navigate, replace] = usePath();
  const [lang, setLangState] = useState<Lang>(storedLang());
  const [session, setSession] = useState<{ me: Me; company: Company; verticals: VerticalUI[]; uiError?: unknown } | null>(null);
  const [booting, setBooting] = useState(hasStoredSession());
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  const load = async () => {
    try {
      const me = await call<Me>("GET", "/auth/me");
      if (!me.company_id) {
        // A platform admin outside any company: the companies screen only.
        setSession({ me, company: { id: "", name: "Nexus", country: "MX", currency: "MXN", timezone: "UTC" }, verticals: [] });
        setError(null);
        return;
      }
      // Without the verticals' list the app still opens, with its own
      // screens and the error shown.
      let uiError: unknown = null;
      const [company, verticals] = await Promise.all([
        call<Company>("GET", "/companies/" + me.company_id),
        loadUI().catch((e) => {
          uiError = e;
          return [];
        }),
      ]);
      setSession({ me, company, verticals, uiError });
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBooting(false);
    }
  };

  useEffect(() => onSession((signedIn) => (signedIn ? load() : setSession(null))), []);
  useEffect(() => {
    if (hasStoredSession()) refresh().then((ok) => (ok ? load() : setBooting(false)));
  }, []);

  const setLang = (l: Lang) => {
    storeLang(l);
    setLangState(l);
  };
  const fmt = useMemo(
    () => new Fmt(lang, session?.company.country ?? "MX", session?.company.currency ?? "MXN", session?.company.timezone ?? "UTC"),
    [lang, session],
  );
  useEffect(() => {
    document.documentElement.lang = fmt.locale;
  }, [fmt]);

  if (booting) return <p class="boot">{fmt.t("loading")}</p>;
  if (!session) {
    if (path !== "/login") queueMicrotask(() => replace("/login" + (path !== "/" ? "?next=" + encodeURIComponent(path) : "")));
    return <Login fmt={fmt} setLang={setLang} error={error} />;
  }
  if (path === "/login") {
    const next = new URLSearchParams(location.search).get("next");
    const home = homeOf(session.me, session.verticals);
    queueMicrotask(() => replace(next && next.startsWith("/") && !next.startsWith("//") ? next : home));
    return null;
  }
  if (!session.me.company_id && path !== companiesScreen.path) {
    queueMicrotask(() => replace(companiesScreen.path));
    return null;
  }
  const ctx: Ctx = { ...session, fmt, setLang, navigate, reload: () => setTick(tick + 1) };
  const screen = [...screens, companiesScreen].find((s) => s.path === path);
  const allowed = screen && mayOpen(session.me, screen);
  const page = matchVerticalPath(session.verticals, path);
  if (page) {
    return (
      <AppContext.Provider value={ctx}>
        <Shell verticals={session.verticals} entry={page === "unknown" ? undefined : page.entry}>
          {page === "unknown" ? (
            <p class="alert" role="alert" data-testid="no-access">
              {fmt.t("noAccess")}
            </p>
          ) : (
            <VerticalPage key={(session.me.company_id ?? "") + tick} vertical={page.vertical} entry={page.entry} subpath={page.subpath} />
          )}
        </Shell>
      </AppContext.Provider>
    );
  }
  return (
    <AppContext.Provider value={ctx}>
      <Shell screen={screen} verticals={session.verticals}>
        {!screen ? (
          <p>{fmt.t("notFound")}</p>
        ) : !allowed ? (
          <p class="alert" role="alert" data-testid="no-access">
            {fmt.t("noAccess")}
          </p>
        ) : (
          <screen.view key={(session.me.company_id ?? "") + tick} />
        )}
      </Shell>
    </AppContext.Provider>
  );
}

/**
 * Where a user lands after signing in: the dashboard for managers and up;
 * otherwise the first page of a vertical's "operate" section (the point of
 * sale), or else the first screen of the app a cashier may open.
 */
function homeOf(me: Me, verticals: VerticalUI[]): string {
  if (!me.company_id) return companiesScreen.path;
  if (atLeast(me.role, "manager")) return "/";
  const operate = verticals.flatMap((v) => v.menu).find((e) => e.section === "operate");
  if (operate) return operate.path;
  return screens.find((s) => s.path !== "/" && atLeast(me.role, s.min))?.path ?? "/";
}

const sectionLabels: Record<string, Key> = {
  operate: "secOperate",
  catalog: "secCatalog",
  inventory: "secInventory",
  purchasing: "secPurchasing",
  billing: "secBilling",
  reports: "secReports",
  admin: "secAdmin",
};

function Shell({ screen, entry, verticals, children }: { screen?: Screen; entry?: UIEntry; verticals: VerticalUI[]; children: preact.ComponentChildren }) {
  const ctx = useApp();
  const { me, company, fmt, navigate, setLang } = ctx;
  const [error, setError] = useState<unknown>(null);
  const title = screen ? fmt.t(screen.label) : entry ? textIn(entry.label, fmt.lang) : "";
  useEffect(() => {
    document.title = (title ? title + " · " : "") + company.name + " · Nexus";
  }, [title, company]);
  const go = (path: string, text: string, current: boolean) => (
    <a
      href={path}
      aria-current={current ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        (e.currentTarget as HTMLElement).closest("details")?.removeAttribute("open");
        navigate(path);
      }}
    >
      {text}
    </a>
  );
  const link = (s: Screen) => go(s.path, fmt.t(s.label), screen?.path === s.path);
  const entries = verticals.flatMap((v) => v.menu);
  const menu = sections
    .map((sec) => ({ sec, items: entries.filter((e) => e.section === sec) }))
    .filter((g) => g.items.length > 0);
  return (
    <>
      <a class="skip" href="#main">
        {fmt.t("skip")}
      </a>
      <header class="top">
        <strong class="brand">Nexus</strong>
        <nav aria-label="Principal">
          <ul>
            {screens
              .filter((s) => mayOpen(me, s) && s.path !== "/admin")
              .map((s) => (
                <li key={s.path}>{link(s)}</li>
              ))}
            {menu.map(({ sec, items }) =>
              items.length === 1 ? (
                <li key={sec}>{go(items[0].path, textIn(items[0].label, fmt.lang), entry?.path === items[0].path)}</li>
              ) : (
                <li key={sec}>
                  <details class="menu-section" data-section={sec}>
                    <summary aria-current={items.some((e) => e.path === entry?.path) ? "true" : undefined}>{fmt.t(sectionLabels[sec])}</summary>
                    <ul>
                      {items.map((e) => (
                        <li key={e.path}>{go(e.path, textIn(e.label, fmt.lang), entry?.path === e.path)}</li>
                      ))}
                    </ul>
                  </details>
                </li>
              ),
            )}
            {[screens.find((s) => s.path === "/admin")!, companiesScreen]
              .filter((s) => mayOpen(me, s))
              .map((s) => (
                <li key={s.path}>{link(s)}</li>
              ))}
          </ul>
        </nav>
        <div class="who">
          <label>
            <span class="sr">{fmt.t("company")}</span>
            <select
              value={me.company_id ?? ""}
              data-testid="company-switcher"
              onChange={async (e) => {
                try {
                  await switchCompany((e.target as HTMLSelectElement).value);
                } catch (err) {
                  setError(err);
                }
              }}
            >
              {!me.company_id && <option value="">—</option>}
              {me.companies.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.role})
                </option>
              ))}
            </select>
          </label>
          <label>
            <span class="sr">{fmt.t("language")}</span>
            <select value={fmt.lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
              <option value="es">Español</option>
              <option value="en">English</option>
            </select>
          </label>
          <span class="email">{me.email}</span>
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              await logout();
              navigate("/login");
            }}
          >
            {fmt.t("signOut")}
          </button>
        </div>
      </header>
      <Alert error={error ?? ctx.uiError} />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
