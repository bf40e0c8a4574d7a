// End-to-end test of the web app in a real browser (Debian's chromium,
// driven by playwright-core) against a real host. The Go test
// host/internal/webui/browser_test.go starts the host, prepares a company
// through the public API and runs this script with:
//   NEXUS_URL, CHROMIUM, OUT_DIR (screenshots), OWNER_EMAIL/OWNER_PASSWORD,
//   CASHIER_EMAIL/CASHIER_PASSWORD, BARCODE (a variant priced 17.50, stock 30).
// It prints one JSON line of figures and exits non-zero on the first failure.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("NEXUS_URL");
const out = env("OUT_DIR");
mkdirSync(out, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const figures = {};
const violations = [];
const steps = [];

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
});

async function session(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "es-MX" });
  const page = await context.newPage();
  // Generous: the machine running make test may be busy. Speed is
  // measured (figures), never asserted.
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(30_000);
  page.on("pageerror", (e) => steps.push(`${name}: page error ${e.message}`));
  return { context, page };
}

async function shot(page, name) {
  await page.screenshot({ path: join(out, name + ".png"), fullPage: true });
}

/** axe-core on the page: serious and critical violations are collected. */
async function axe(page, screen) {
  // Evaluated over the DevTools protocol: the app's Content-Security-Policy
  // (no inline scripts) stays in force for the app itself.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  for (const v of result) if (v.impact === "serious" || v.impact === "critical") violations.push({ screen, ...v });
}

async function login(page, email, password) {
  await page.goto(base + "/");
  await page.getByRole("heading", { name: "Inicia sesión en Nexus" }).waitFor();
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Iniciar sesión" }).click();
}

/** Waits until the app shows path (history navigations fire no load event). */
async function atPath(page, path) {
  await page.waitForFunction((p) => location.pathname + location.search === p || location.pathname === p, path);
}

async function step(name, fn) {
  const t0 = Date.now();
  console.error(`… ${name}`);
  await fn();
  steps.push(`${name}: ok (${Date.now() - t0} ms)`);
}

const owner = await session("owner");
const cashier = await session("cashier");
try {
  await step("login page and a wrong password", async () => {
    const { page } = owner;
    await page.goto(base + "/v/cpg/pos");
    await atPath(page, "/login?next=%2Fv%2Fcpg%2Fpos");
    await shot(page, "01-login");
    await axe(page, "login");
    await page.getByLabel("Correo electrónico").fill(env("OWNER_EMAIL"));
    await page.getByLabel("Contraseña").fill("wrong-password");
    await page.getByRole("button", { name: "Iniciar sesión" }).click();
    await page.getByRole("alert").filter({ hasText: "incorrectos" }).waitFor();
  });

  await step("owner logs in, the refresh token rotates on reload", async () => {
    const { page } = owner;
    await login(page, env("OWNER_EMAIL"), env("OWNER_PASSWORD"));
    await page.getByRole("heading", { name: "Tablero" }).waitFor();
    await atPath(page, "/");
    const first = await page.evaluate(() => localStorage.getItem("nexus.refresh"));
    assert.ok(first, "a refresh token is kept");
    await page.reload();
    await page.getByRole("heading", { name: "Tablero" }).waitFor();
    const second = await page.evaluate(() => localStorage.getItem("nexus.refresh"));
    assert.ok(second && second !== first, "the reload spent the refresh token and got a new one");
    // The spent token is refused by the host: rotation, not reuse.
    const reuse = await page.evaluate(async (t) => (await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: t }) })).status, first);
    assert.equal(reuse, 401, "a rotated refresh token is refused");
  });

  await step("the owner's dashboard before any sale", async () => {
    const { page } = owner;
    // Reusing the spent token revoked that session: sign in again.
    await page.goto(base + "/");
    await page.getByRole("heading", { name: /Tablero|Inicia sesión/ }).waitFor();
    if (page.url().includes("/login")) {
      await page.getByLabel("Correo electrónico").fill(env("OWNER_EMAIL"));
      await page.getByLabel("Contraseña").fill(env("OWNER_PASSWORD"));
      await page.getByRole("button", { name: "Iniciar sesión" }).click();
    }
    await page.getByTestId("freshness").waitFor();
    await page.getByTestId("revenue-today").filter({ hasText: "$0.00" }).waitFor();
  });

  await step("a cashier lands on the POS and cannot reach administration", async () => {
    const { page } = cashier;
    await login(page, env("CASHIER_EMAIL"), env("CASHIER_PASSWORD"));
    // The POS is the CPG vertical's page, from its own bundle.
    await atPath(page, "/v/cpg/pos");
    const nav = page.getByRole("navigation", { name: "Principal" });
    await nav.getByRole("link", { name: "Punto de venta" }).waitFor();
    assert.equal(await nav.getByRole("link", { name: "Administración" }).count(), 0, "no administration link for a cashier");
    await page.goto(base + "/admin");
    await page.getByTestId("no-access").waitFor();
    await shot(page, "08-cashier-no-admin");
    // The API agrees: the members list is admin+.
    const status = await page.evaluate(async () => {
      const r = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: localStorage.getItem("nexus.refresh") }) });
      const pair = await r.json();
      localStorage.setItem("nexus.refresh", pair.refresh_token);
      return (await fetch(`/api/v1/companies/${pair.company_id}/members`, { headers: { Authorization: "Bearer " + pair.access_token } })).status;
    });
    assert.equal(status, 403);
  });

  let saleTotalText;
  let saleCommittedAt = 0;
  await step("open a session with a float, scan, discounts, split payment with change", async () => {
    const { page } = cashier;
    await page.goto(base + "/v/cpg/pos");
    await page.getByRole("heading", { name: "Abrir caja" }).waitFor();
    await page.getByLabel("Fondo inicial").fill("500.00");
    await shot(page, "02-pos-open-session");
    await axe(page, "pos-open");
    await page.getByRole("button", { name: "Abrir caja" }).click();
    const scan = page.getByLabel("Escanear o buscar producto");
    await scan.waitFor();
    assert.ok(await scan.evaluate((el) => el === document.activeElement), "the scan field has the focus");
    // A barcode scanner types the code and presses Enter.
    const code = env("BARCODE");
    const times = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.type(code);
      await page.keyboard.press("Enter");
      await page.waitForFunction((n) => document.querySelector('input[aria-label="Cant. COLA-600"]')?.value === String(n), i + 1);
      times.push(Number(await page.getByTestId("cart").getAttribute("data-scan-ms")));
    }
    figures.scan_to_cart_ms = times;
    await page.getByLabel("Desc. % COLA-600").fill("10");
    await page.getByLabel("Descuento al ticket", { exact: true }).selectOption("amount");
    await page.getByLabel("Descuento al ticket Importe").fill("2.00");
    await page.getByTestId("total").filter({ hasText: "$45.25" }).waitFor();
    await page.getByLabel("Forma de pago 1").selectOption("card");
    await page.getByLabel("Importe 1").fill("20.00");
    await page.getByLabel("Referencia 1").fill("AUT 777");
    await page.getByRole("button", { name: "Agregar pago" }).click();
    await page.getByLabel("Forma de pago 2").selectOption("cash");
    await page.getByLabel("Importe 2").fill("50.00");
    await page.getByTestId("change").filter({ hasText: "$24.75" }).waitFor();
    await page.getByTestId("remaining").filter({ hasText: "$0.00" }).waitFor();
    await shot(page, "03-pos-cart");
    await axe(page, "pos-cart");
    await page.keyboard.press("F9");
    const receipt = page.getByTestId("receipt");
    await receipt.waitFor();
    // The owner's dashboard, open since before the sale, polls the revenue
    // report: the time until it shows the sale is a figure.
    saleCommittedAt = Date.now();
    saleTotalText = await page.getByTestId("receipt-total").textContent();
    assert.equal(saleTotalText, "$45.25");
    assert.equal(await page.getByTestId("receipt-change").textContent(), "$24.75");
    await shot(page, "04-pos-receipt");
    await axe(page, "pos-receipt");
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(out, "04b-receipt-print.png"), fullPage: true });
    const width = await receipt.evaluate((el) => el.getBoundingClientRect().width);
    figures.receipt_print_width_px = Math.round(width);
    assert.ok(Math.abs(width - (80 / 25.4) * 96) < 2, `the printed receipt is 80 mm wide (${width}px)`);
    await page.emulateMedia({ media: "screen" });
  });

  await step("the dashboard shows the sale with a fresh badge (time measured)", async () => {
    const { page } = owner;
    await page.getByTestId("revenue-today").filter({ hasText: "$45.25" }).waitFor();
    figures.dashboard_sale_visible_ms = Date.now() - saleCommittedAt;
    await page.locator('[data-testid="freshness"][data-status="fresh"]').waitFor();
    await page.getByRole("cell", { name: "cpg_pos" }).waitFor();
    await page.getByTestId("open-sessions").waitFor();
    await shot(page, "05-dashboard");
    await axe(page, "dashboard");
    await page.getByRole("button", { name: "Actualizar ahora" }).click();
    await page.getByRole("status").filter({ hasText: "Vistas actualizadas" }).waitFor();
  });

  await step("a return with its refund preview", async () => {
    const { page } = cashier;
    await page.getByRole("button", { name: "Nueva venta (F2)" }).waitFor();
    await page.keyboard.press("F2");
    await page.getByLabel("Escanear o buscar producto").waitFor();
    await page.getByRole("tab", { name: "Devolución" }).click();
    const select = page.getByLabel("Ventas de esta caja");
    await select.locator("option").nth(1).waitFor({ state: "attached" });
    await select.selectOption({ index: 1 });
    await page.getByLabel("Devolver COLA-600").fill("1");
    await page.getByRole("button", { name: "Calcular reembolso" }).click();
    await page.getByTestId("refund-total").filter({ hasText: "$15.08" }).waitFor();
    await shot(page, "06-pos-return-preview");
    await axe(page, "pos-return");
    await page.getByRole("button", { name: "Confirmar devolución" }).click();
    await page.getByTestId("return-done").waitFor();
  });

  await step("close the session with counted amounts and see the difference", async () => {
    const { page } = cashier;
    await page.getByRole("tab", { name: "Cerrar caja" }).click();
    // Expected: cash 500 + 50 − 24.75 = 525.25; card 20 − 15.08 refunded = 4.92.
    await page.getByTestId("close-table").getByRole("cell", { name: "$525.25", exact: true }).waitFor();
    await page.getByLabel("Contado Efectivo").fill("525.00");
    await page.getByLabel("Contado Tarjeta").fill("4.92");
    await page.getByTestId("diff-cash").filter({ hasText: "-$0.25" }).waitFor();
    await shot(page, "07-pos-close");
    await axe(page, "pos-close");
    await page.getByRole("button", { name: "Cerrar caja" }).last().click();
    await page.getByTestId("session-closed").waitFor();
    assert.equal(await page.getByTestId("diff-total").textContent(), "-$0.25");
  });

  await step("administration and back office as the owner; English on demand", async () => {
    const { page } = owner;
    await page.getByRole("link", { name: "Administración" }).click();
    await page.getByRole("heading", { name: "Miembros" }).waitFor();
    await page.locator("#members").getByRole("cell", { name: env("CASHIER_EMAIL") }).waitFor();
    await page.getByRole("cell", { name: "auth.login" }).first().waitFor();
    // The configuration form is generated from the manifest's config schema.
    await page.getByRole("button", { name: "Editar cpg" }).click();
    const form = page.getByRole("form", { name: "Configuración cpg" });
    await form.getByLabel("cash_difference_limit").fill("100");
    await form.getByLabel("allow_negative_stock").check();
    await shot(page, "09b-admin-config-form");
    await axe(page, "admin-config-form");
    await form.getByRole("button", { name: "Guardar" }).click();
    await page.getByTestId("config-cpg").filter({ hasText: '"cash_difference_limit":"100"' }).waitFor();
    assert.match(await page.getByTestId("config-cpg").textContent(), /"allow_negative_stock":true/);
    await shot(page, "09-admin");
    await axe(page, "admin");
    await page.getByRole("link", { name: "Catálogo", exact: true }).click();
    await page.getByRole("cell", { name: "COLA-600" }).waitFor();
    await shot(page, "10-catalog");
    await axe(page, "catalog");
    await page.getByRole("link", { name: "Facturas y bancos" }).click();
    await page.getByRole("button", { name: "Sugerir conciliación" }).click();
    await page.getByRole("status").filter({ hasText: "movimientos revisados" }).waitFor();
    await shot(page, "10b-invoices-and-banking");
    await axe(page, "invoices-and-banking");
    await page.getByLabel("Idioma").selectOption("en");
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByTestId("revenue-today").filter({ hasText: "MX$" }).or(page.getByTestId("revenue-today").filter({ hasText: "$" })).first().waitFor();
    await page.getByLabel("Language").selectOption("es");
  });

  await step("the company switcher moves the session to the other company", async () => {
    const { page } = owner;
    await page.getByRole("link", { name: "Tablero" }).click();
    // The sale net of the return: 45.25 − 15.08.
    await page.getByTestId("revenue-today").filter({ hasText: "$30.17" }).waitFor();
    await page.getByLabel("Empresa").selectOption(env("OTHER_COMPANY_ID"));
    // The Argentine company's revenue, in its currency and es-AR format
    // ("$ 0,00"): nothing of the Mexican company's sale.
    await page.getByTestId("revenue-today").filter({ hasText: /\$\s0,00/ }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Administración" }).count(), 0, "a manager there: no administration");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "es-AR");
    await shot(page, "11-switched-company");
  });

  await step("logout ends the session", async () => {
    const { page } = owner;
    await page.getByRole("button", { name: "Cerrar sesión" }).click();
    await atPath(page, "/login");
    assert.equal(await page.evaluate(() => localStorage.getItem("nexus.refresh")), null);
  });
} catch (e) {
  for (const s of [owner, cashier]) await shot(s.page, "failure-" + (s === owner ? "owner" : "cashier")).catch(() => undefined);
  console.error(steps.join("\n"));
  console.error("FAILED: " + (e?.stack ?? e));
  await browser.close();
  process.exit(1);
}
await browser.close();
writeFileSync(join(out, "figures.json"), JSON.stringify(figures, null, 2));
console.log(steps.join("\n"));
if (violations.length > 0) {
  console.error("axe-core: serious or critical violations:\n" + JSON.stringify(violations, null, 2));
  process.exit(1);
}
console.log(JSON.stringify({ figures }));
