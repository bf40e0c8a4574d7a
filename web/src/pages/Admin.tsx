// Administration of the company: members and their roles, invitations,
// API keys, the verticals enabled with their configuration, the audit log.
import { useState } from "preact/hooks";
import { call, type Page, qs } from "../api";
import { atLeast, useApp } from "../app";
import { Alert, Card, useLoad, useSubmit } from "../ui";
import { ConfigForm, type Schema } from "./ConfigForm";

const roles = ["owner", "admin", "manager", "cashier", "viewer"];

/** The administration screen. */
export function Admin() {
  const { fmt } = useApp();
  return (
    <div class="admin">
      <h1>{fmt.t("navAdmin")}</h1>
      <div class="grid">
        <Members />
        <Invitations />
        <ApiKeys />
        <Verticals />
      </div>
      <Audit />
    </div>
  );
}

function grantable(myRole: string, platformAdmin: boolean) {
  return roles.filter((r) => (r === "owner" ? myRole === "owner" || platformAdmin : true));
}

function Members() {
  const { fmt, company, me } = useApp();
  const base = `/companies/${company.id}/members`;
  const list = useLoad(() => call<Page<{ user_id: string; email: string; role: string }>>("GET", base + "?limit=500"), []);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={fmt.t("members")} id="members">
      <Alert error={error ?? list.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{fmt.t("email")}</th>
            <th scope="col">{fmt.t("role")}</th>
            <th scope="col">
              <span class="sr">{fmt.t("remove")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((m) => (
            <tr key={m.user_id}>
              <td>{m.email}</td>
              <td>
                <select aria-label={fmt.t("role") + " " + m.email} value={m.role} disabled={m.user_id === me.user_id} onChange={(e) => act(() => call("PATCH", `${base}/${m.user_id}`, { role: (e.target as HTMLSelectElement).value }))}>
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {m.user_id !== me.user_id && (
                  <button type="button" class="link" onClick={() => confirm(fmt.t("remove") + " " + m.email + "?") && act(() => call("DELETE", `${base}/${m.user_id}`))}>
                    {fmt.t("remove")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function Invitations() {
  const { fmt, company, me } = useApp();
  const base = `/companies/${company.id}/invitations`;
  const list = useLoad(() => call<Page<{ id: string; email: string; role: string; status: string; expires_at: string }>>("GET", base + "?limit=20"), []);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("cashier");
  const [token, setToken] = useState<string | null>(null);
  const { submit, error, setError } = useSubmit(async () => {
    const r = await call<{ token: string }>("POST", base, { email, role });
    setToken(r.token);
    setEmail("");
    list.reload();
  });
  return (
    <Card title={fmt.t("invitations")} id="invitations">
      <form onSubmit={submit} class="row">
        <label>
          {fmt.t("email")}
          <input type="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {fmt.t("role")}
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            {grantable(me.role, me.platform_admin).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{fmt.t("invite")}</button>
      </form>
      <Alert error={error ?? list.error} />
      {token && (
        <p role="status" class="ok">
          {fmt.t("tokenOnce")} <code data-testid="invitation-token">{token}</code>
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{fmt.t("email")}</th>
            <th scope="col">{fmt.t("role")}</th>
            <th scope="col">{fmt.t("status")}</th>
            <th scope="col">
              <span class="sr">{fmt.t("revoke")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((i) => (
            <tr key={i.id}>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td>{i.status}</td>
              <td>
                {i.status === "pending" && (
                  <button type="button" class="link" onClick={async () => { await call("DELETE", `${base}/${i.id}`).catch(setError); list.reload(); }}>
                    {fmt.t("revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function ApiKeys() {
  const { fmt, company, me } = useApp();
  const base = `/companies/${company.id}/api-keys`;
  const list = useLoad(() => call<Page<{ id: string; name: string; role: string; prefix: string; last_used_at: string | null; revoked_at: string | null }>>("GET", base + "?limit=50"), []);
  const [name, setName] = useState("");
  const [role, setRole] = useState("cashier");
  const [key, setKey] = useState<string | null>(null);
  const { submit, error, setError } = useSubmit(async () => {
    const r = await call<{ key: string }>("POST", base, { name, role });
    setKey(r.key);
    setName("");
    list.reload();
  });
  return (
    <Card title={fmt.t("apiKeys")} id="api-keys">
      <form onSubmit={submit} class="row">
        <label>
          {fmt.t("name")}
          <input required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {fmt.t("role")}
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            {roles.filter((r) => atLeast(me.role, r)).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{fmt.t("create")}</button>
      </form>
      <Alert error={error ?? list.error} />
      {key && (
        <p role="status" class="ok">
          {fmt.t("keyOnce")} <code>{key}</code>
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{fmt.t("name")}</th>
            <th scope="col">{fmt.t("role")}</th>
            <th scope="col">{fmt.t("prefix")}</th>
            <th scope="col">{fmt.t("lastUsed")}</th>
            <th scope="col">
              <span class="sr">{fmt.t("revoke")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.role}</td>
              <td class="mono">{k.prefix}</td>
              <td>{fmt.dateTime(k.last_used_at)}</td>
              <td>
                {!k.revoked_at && (
                  <button type="button" class="link" onClick={async () => { await call("DELETE", `${base}/${k.id}`).catch(setError); list.reload(); }}>
                    {fmt.t("revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

interface VerticalRow {
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

function Verticals() {
  const { fmt, company } = useApp();
  const base = `/companies/${company.id}/verticals`;
  const list = useLoad(() => call<Page<VerticalRow>>("GET", base), []);
  const installed = useLoad(() => call<Page<{ name: string; config_schema?: Schema }>>("GET", "/verticals"), []);
  const schemaOf = (name: string) => installed.data?.data.find((v) => v.name === name)?.config_schema;
  const [editing, setEditing] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const save = async (name: string, config: unknown) => {
    setError(null);
    try {
      await call("PUT", `${base}/${name}`, config);
      setEditing(null);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={fmt.t("verticals")} id="verticals">
      <Alert error={error ?? list.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{fmt.t("name")}</th>
            <th scope="col">{fmt.t("enabled")}</th>
            <th scope="col">{fmt.t("configuration")}</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((v) => (
            <tr key={v.name}>
              <td>{v.name}</td>
              <td>{v.enabled ? "✓" : "—"}</td>
              <td>
                {editing === v.name && schemaOf(v.name)?.properties ? (
                  <ConfigForm name={v.name} schema={schemaOf(v.name)!} config={v.config ?? {}} onSave={(c) => save(v.name, c)} onCancel={() => setEditing(null)} />
                ) : editing === v.name ? (
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      try {
                        save(v.name, JSON.parse(text));
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    <label>
                      <span class="sr">{fmt.t("configuration")} {v.name}</span>
                      <textarea rows={6} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} class="mono" />
                    </label>
                    <button type="submit">{fmt.t("save")}</button>{" "}
                    <button type="button" class="secondary" onClick={() => setEditing(null)}>
                      {fmt.t("cancel")}
                    </button>
                  </form>
                ) : (
                  <>
                    <code class="mono" data-testid={"config-" + v.name}>
                      {JSON.stringify(v.config ?? {})}
                    </code>{" "}
                    <button
                      type="button"
                      class="link"
                      aria-label={fmt.t("edit") + " " + v.name}
                      onClick={() => {
                        setEditing(v.name);
                        setText(JSON.stringify(v.config ?? {}, null, 2));
                      }}
                    >
                      {fmt.t("edit")}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

interface AuditRow {
  id: string;
  at: string;
  actor: { type: string; id: string; label?: string };
  action: string;
  target: string;
  vertical?: string;
}

function Audit() {
  const { fmt, company } = useApp();
  const [action, setAction] = useState("");
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const p = await call<Page<AuditRow>>("GET", `/companies/${company.id}/audit${qs({ action, limit: 25 })}`);
    setRows(p.data);
    setCursor(p.next_cursor);
    return p;
  }, [action]);
  const more = async () => {
    const p = await call<Page<AuditRow>>("GET", `/companies/${company.id}/audit${qs({ action, limit: 25, cursor })}`);
    setRows([...rows, ...p.data]);
    setCursor(p.next_cursor);
  };
  return (
    <Card title={fmt.t("audit")} id="audit">
      <label class="inline">
        {fmt.t("filterAction")}
        <input value={action} placeholder="auth." onChange={(e) => setAction((e.target as HTMLInputElement).value)} />
      </label>
      <Alert error={first.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">{fmt.t("when")}</th>
            <th scope="col">{fmt.t("actor")}</th>
            <th scope="col">{fmt.t("action")}</th>
            <th scope="col">{fmt.t("target")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{fmt.dateTime(r.at)}</td>
              <td>{r.actor.label ?? r.actor.type}</td>
              <td class="mono">{r.action}</td>
              <td class="mono">{r.target}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button type="button" class="secondary" onClick={more}>
          {fmt.t("more")}
        </button>
      )}
    </Card>
  );
}
