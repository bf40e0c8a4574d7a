// The Nexus browser app: sign-in, then the screens a role may reach.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import "./style.css";
import { call, hasStoredSession, logout, onSession, refresh, switchCompany } from "./api";
import { AppContext, atLeast, useApp, type Company, type Ctx, type Me } from "./app";
import { Fmt, type Key, type Lang, storedLang, storeLang } from "./i18n";
import { Login } from "./pages/Login";
import { Dashboard } from "./pages/Dashboard";
import { Pos } from "./pages/Pos";
import { Admin } from "./pages/Admin";
import { Catalog } from "./pages/Catalog";
import { Alert } from "./ui";

interface Screen {
  path: string;
  label: Key;
  min: string;
  view: () => preact.JSX.Element;
}

const screens: Screen[] = [
  { path: "/", label: "navDashboard", min: "viewer", view: () => <Dashboard /> },
  { path: "/pos", label: "navPOS", min: "cashier", view: () => <Pos /> },
  { path: "/catalog", label: "navCatalog", min: "viewer", view: () => <Catalog /> },
  { path: "/admin", label: "navAdmin", min: "admin", view: () => <Admin /> },
];

function usePath(): [string, (p: string) => void, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  const navigate = (p: string) => {
    if (p !== location.pathname + location.search) history.pushState(null, "", p);
    setPath(new URL(p, location.href).pathname);
  };
  const replace = (p: string) => {
    history.replaceState(null, "", p);
    setPath(new URL(p, location.href).pathname);
  };
  return [path, navigate, replace];
}

function App() {
  const [path, navigate, replace] = usePath();
  const [lang, setLangState] = useState<Lang>(storedLang());
  const [session, setSession] = useState<{ me: Me; company: Company } | null>(null);
  const [booting, setBooting] = useState(hasStoredSession());
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  const load = async () => {
    try {
      const me = await call<Me>("GET", "/auth/me");
      const company = await call<Company>("GET", "/companies/" + me.company_id);
      setSession({ me, company });
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
    const home = atLeast(session.me.role, "manager") ? "/" : "/pos";
    queueMicrotask(() => replace(next && next.startsWith("/") && !next.startsWith("//") ? next : home));
    return null;
  }
  const ctx: Ctx = { ...session, fmt, setLang, navigate, reload: () => setTick(tick + 1) };
  const screen = screens.find((s) => s.path === path);
  const allowed = screen && atLeast(session.me.role, screen.min);
  return (
    <AppContext.Provider value={ctx}>
      <Shell screen={screen}>
        {!screen ? (
          <p>{fmt.t("notFound")}</p>
        ) : !allowed ? (
          <p class="alert" role="alert" data-testid="no-access">
            {fmt.t("noAccess")}
          </p>
        ) : (
          <screen.view key={session.me.company_id + tick} />
        )}
      </Shell>
    </AppContext.Provider>
  );
}

function Shell({ screen, children }: { screen?: Screen; children: preact.ComponentChildren }) {
  const ctx = useApp();
  const { me, company, fmt, navigate, setLang } = ctx;
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    document.title = (screen ? fmt.t(screen.label) + " · " : "") + company.name + " · Nexus";
  }, [screen, fmt, company]);
  const link = (s: Screen) => (
    <a
      href={s.path}
      aria-current={screen?.path === s.path ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(s.path);
      }}
    >
      {fmt.t(s.label)}
    </a>
  );
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
              .filter((s) => atLeast(me.role, s.min))
              .map((s) => (
                <li key={s.path}>{link(s)}</li>
              ))}
          </ul>
        </nav>
        <div class="who">
          <label>
            <span class="sr">{fmt.t("company")}</span>
            <select
              value={me.company_id}
              data-testid="company-switcher"
              onChange={async (e) => {
                try {
                  await switchCompany((e.target as HTMLSelectElement).value);
                } catch (err) {
                  setError(err);
                }
              }}
            >
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
      <Alert error={error} />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
