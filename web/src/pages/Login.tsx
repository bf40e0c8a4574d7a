import { useState } from "preact/hooks";
import { ApiError, login } from "../api";
import type { Fmt, Lang } from "../i18n";
import { Alert, errorText } from "../ui";

/** The sign-in form. */
export function Login({ fmt, setLang, error }: { fmt: Fmt; setLang: (l: Lang) => void; error: unknown }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await login(email, password);
    } catch (err) {
      setMessage(err instanceof ApiError && err.status === 401 ? fmt.t("badLogin") : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form onSubmit={submit} class="card" aria-labelledby="login-h">
        <h1 id="login-h">{fmt.t("loginTitle")}</h1>
        <Alert error={error} />
        <label>
          {fmt.t("email")}
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} autoFocus />
        </label>
        <label>
          {fmt.t("password")}
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {message && (
          <p class="alert" role="alert">
            {message}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? fmt.t("signingIn") : fmt.t("signIn")}
        </button>
        <label class="inline">
          {fmt.t("language")}
          <select value={fmt.lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </label>
      </form>
    </main>
  );
}
