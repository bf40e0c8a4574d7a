// End-to-end test of the CPG vertical's back office in a real browser
// (Debian's chromium driven by playwright-core) against a real host with
// the CPG plugin: its pages come from the plugin's own bundle
// (/ui/v/cpg/index.js) through the app's menu. The Go test
// host/internal/webui/browser_test.go starts the host and runs this script
// with NEXUS_URL, CHROMIUM, OUT_DIR (screenshots) and ADMIN_EMAIL/
// ADMIN_PASSWORD (the platform admin), with which the script makes a
// company of its own through the public API — an owner invited, CPG
// enabled, nothing else — so the other scripts' figures are not touched.
// MP_ACCESS_TOKEN/MP_WEBHOOK_SECRET set the company's Mercado Pago (a local
// fake) up, and MP_BUYER_URL is the buyer paying a QR order.
// A product with variants is created in the catalog, a purchase order
// placed and received (stock goes up), goods transferred to a new
// warehouse, a sale charged by Mercado Pago QR at the POS, a consignment
// sent and partly reported sold; axe-core checks
// every screen. It prints one JSON line and exits non-zero on the first
// failure.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
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

/** Calls the public API as token; the JSON answer, or throws naming the status. */
async function api(method, path, token, body) {
  const res = await fetch(base + "/api/v1" + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: "Bearer " + token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// The company: a fresh RFC (three letters, a date, a homoclave), an owner
// who accepts the platform admin's invitation, CPG enabled with defaults.
const now = Date.now();
const stamp = now.toString(36);
const letters = Array.from({ length: 3 }, (_, i) => String.fromCharCode(65 + (Math.floor(now / 26 ** i) % 26))).join("");
const two = (n) => String(n).padStart(2, "0");
const rfc = letters + two(now % 100) + two(1 + (now % 12)) + two(1 + (now % 28)) + "A1" + (now % 10);
const ownerEmail = `cpg-owner-${stamp}@e2e.local`;
const ownerPassword = "cpg-owner-password";
// A register to open, and Mercado Pago set up for in-store QR payments.
const admin = (await api("POST", "/auth/login", null, { email: env("ADMIN_EMAIL"), password: env("ADMIN_PASSWORD") })).access_token;
const company = await api("POST", "/companies", admin, { name: "Boutique Norte SA de CV", country: "MX", currency: "MXN", tax_id: rfc, timezone: "America/Mexico_City" });
{
  const inv = await api("POST", `/companies/${company.id}/invitations`, admin, { email: ownerEmail, role: "owner" });
  const owner = (await api("POST", "/invitations/accept", null, { token: inv.token, password: ownerPassword, name: "Dueña" })).session.access_token;
  await api("PUT", `/companies/${company.id}/verticals/cpg`, owner, {});
  const settings = await api("GET", "/verticals/cpg/settings", owner);
  await api("POST", "/verticals/cpg/registers", owner, { location_id: settings.principal_location_id, name: "Caja 1" });
  await api("PUT", `/companies/${company.id}/payments/mercadopago`, owner, {
    environment: "test", card_enabled: false, qr_enabled: true, qr_user_id: "123456", qr_external_pos_id: "CAJA01",
    access_token: env("MP_ACCESS_TOKEN"), webhook_secret: env("MP_WEBHOOK_SECRET"),
  });
}

const violations = [];
const steps = [];
const errors = [];

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "es-MX" });
const page = await context.newPage();
// Generous: the machine running make test may be busy.
page.setDefaultTimeout(30_000);
page.on("pageerror", (e) => errors.push(e.message));

async function shot(name) {
  await page.screenshot({ path: join(out, name + ".png"), fullPage: true });
}

/** axe-core on the page: serious and critical violations are collected. */
async function axe(screen) {
  // Evaluated over the DevTools protocol: the app's Content-Security-Policy
  // does not apply to it.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  for (const v of result) if (v.impact === "serious" || v.impact === "critical") violations.push({ screen, ...v });
}

async function step(name, fn) {
  const t0 = Date.now();
  console.error(`… ${name}`);
  await fn();
  steps.push(`${name}: ok (${Date.now() - t0} ms)`);
}

const nav = page.getByRole("navigation", { name: "Principal" });

/**
 * Opens a page of the vertical from the app's menu (inside its section's
 * drop-down when the section has several entries) and waits for its heading.
 */
async function open(link, section) {
  if (section) await nav.locator("summary", { hasText: section }).click();
  await nav.getByRole("link", { name: link, exact: true }).click();
  await page.getByRole("heading", { name: link, level: 1 }).waitFor();
}

/** The row of a table holding text. */
const row = (testid, text) => page.getByTestId(testid).getByRole("row").filter({ hasText: text });
/** The cell showing exactly value in that row. */
const cell = (testid, text, value) => row(testid, text).getByRole("cell", { name: value, exact: true });

try {
  await step("the owner signs in; the menu lists the vertical's pages", async () => {
    await page.goto(base + "/");
    await page.getByLabel("Correo electrónico").fill(ownerEmail);
    await page.getByLabel("Contraseña").fill(ownerPassword);
    await page.getByRole("button", { name: "Iniciar sesión" }).click();
    for (const name of ["Punto de venta", "Catálogo", "Compras", "Reportes de tienda"]) {
      await nav.getByRole("link", { name, exact: true }).waitFor();
    }
    await nav.locator("summary", { hasText: "Inventario" }).waitFor();
  });

  await step("catalog: bad input shows the API's message; a product with two variants", async () => {
    await open("Catálogo");
    const form = page.getByRole("form", { name: "Nuevo producto" });
    await form.getByLabel("Nombre", { exact: true }).fill("Playera básica");
    await form.getByLabel("IVA %").fill("16");
    await form.getByRole("button", { name: "Agregar atributo" }).click();
    await form.getByLabel("Atributo 1: clave").fill("material");
    await form.getByLabel("Atributo 1: valor").fill("algodón");
    const v = (field, n) => form.getByLabel(`${field} (Variante ${n})`, { exact: true });
    await v("SKU", 1).fill("PLA-M");
    await v("Código de barras", 1).fill("7501234567893");
    await v("Presentación / talla", 1).fill("M");
    await v("Color", 1).fill("Blanco");
    await v("Precio", 1).fill("doce");
    await form.getByRole("button", { name: "Crear" }).click();
    // The API refuses the price: its own message is shown, nothing is created.
    await form.getByRole("alert").waitFor();
    assert.match(await form.getByRole("alert").textContent(), /price/i);
    await shot("01-catalog-bad-input");
    await v("Precio", 1).fill("199.00");
    await v("Costo", 1).fill("90.00");
    await v("Punto de reorden", 1).fill("5");
    await form.getByRole("button", { name: "Agregar variante" }).click();
    await v("SKU", 2).fill("PLA-L");
    await v("Presentación / talla", 2).fill("L");
    await v("Color", 2).fill("Blanco");
    await v("Precio", 2).fill("209.00");
    await axe("catalog-new-product");
    await form.getByRole("button", { name: "Crear" }).click();
    await page.getByRole("heading", { name: "Playera básica" }).waitFor();
    // The product has an address of its own: a reload opens it again.
    await page.waitForURL(/\/v\/cpg\/catalog\/[0-9a-f-]{36}$/);
    await page.reload();
    await row("variants", "PLA-M").filter({ hasText: "$199.00" }).waitFor();
    await row("variants", "PLA-L").filter({ hasText: "$209.00" }).waitFor();
    await shot("02-catalog-product");
    await axe("catalog-product");
    await page.getByRole("button", { name: "Volver" }).click();
    await row("products", "Playera básica").filter({ hasText: "material: algodón" }).waitFor();
    assert.equal(await page.getByTestId("products").getByRole("row").count(), 2, "one product: the refused one was not created");
    await shot("03-catalog-list");
    await axe("catalog-list");
  });

  await step("purchasing: a supplier, an order placed and received — stock goes up", async () => {
    await open("Compras");
    const sup = page.getByRole("form", { name: "Nuevo proveedor" });
    await sup.getByLabel("Nombre").fill("Textiles del Norte");
    await sup.getByRole("button", { name: "Crear" }).click();
    await page.locator("#suppliers").getByText("Textiles del Norte").waitFor();
    const form = page.getByRole("form", { name: "Nueva orden de compra" });
    await form.getByLabel("Proveedor").selectOption({ label: "Textiles del Norte" });
    await form.getByLabel("Línea 1: SKU o código").fill("7501234567893");
    await form.getByLabel("Línea 1: cantidad").fill("10");
    await form.getByLabel("Línea 1: costo unitario").fill("90.00");
    await form.getByRole("button", { name: "Agregar línea" }).click();
    await form.getByLabel("Línea 2: SKU o código").fill("PLA-L");
    await form.getByLabel("Línea 2: cantidad").fill("6");
    await form.getByLabel("Línea 2: costo unitario").fill("95.00");
    await form.getByRole("button", { name: "Crear" }).click();
    await page.getByTestId("po-status").filter({ hasText: "Borrador" }).waitFor();
    await page.getByRole("button", { name: "Pedir" }).click();
    await page.getByTestId("po-status").filter({ hasText: "Pedida" }).waitFor();
    await page.getByLabel(/^Recibir PLA-M/).fill("10");
    await page.getByLabel(/^Recibir PLA-L/).fill("4");
    await shot("04-purchase-receiving");
    await axe("purchase-receiving");
    await page.getByRole("button", { name: "Recibir", exact: true }).click();
    await page.getByTestId("po-status").filter({ hasText: "Recibida en parte" }).waitFor();
    await cell("po-lines", "PLA-L", "4").waitFor();
    await shot("05-purchase-received");
    await page.getByRole("button", { name: "Volver" }).click();
    await row("purchase-orders", "Textiles del Norte").waitFor();
    await axe("purchase-orders");
  });

  await step("inventory: the receipt is on hand; a new warehouse and a transfer to it", async () => {
    await open("Inventario", "Inventario");
    await cell("on-hand", "PLA-M", "10").waitFor();
    await cell("on-hand", "PLA-L", "4").waitFor();
    const loc = page.getByRole("form", { name: "Nueva ubicación" });
    await loc.getByLabel("Nombre").fill("Bodega Norte");
    await loc.getByLabel("Tipo").selectOption("warehouse");
    await loc.getByRole("button", { name: "Crear" }).click();
    await page.locator("#locations").getByText("Bodega Norte").waitFor();
    const form = page.getByRole("form", { name: "Transferencia entre ubicaciones" });
    await form.getByLabel("Hasta").selectOption({ label: "Bodega Norte" });
    await form.getByLabel("Línea 1: SKU o código").fill("PLA-M");
    await form.getByLabel("Línea 1: cantidad").fill("3");
    await form.getByRole("button", { name: "Transferir" }).click();
    await page.getByTestId("transferred").waitFor();
    await cell("on-hand", "PLA-M", "7").waitFor();
    await row("movements", "PLA-M").filter({ hasText: "transfer_out" }).waitFor();
    await shot("06-inventory-transfer");
    await axe("inventory");
    await page.locator("#stock").getByLabel("Ubicación").selectOption({ label: "Bodega Norte" });
    await cell("on-hand", "PLA-M", "3").waitFor();
    await shot("07-inventory-warehouse");
  });

  await step("point of sale: a sale charged by Mercado Pago QR, paid by the buyer", async () => {
    await nav.getByRole("link", { name: "Punto de venta", exact: true }).click();
    await page.getByRole("heading", { name: "Abrir caja" }).waitFor();
    await page.getByRole("button", { name: "Abrir caja" }).click();
    await page.getByLabel("Escanear o buscar producto").waitFor();
    await page.keyboard.type("7501234567893");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector('input[aria-label="Cant. PLA-M"]')?.value === "1");
    await page.getByLabel("Forma de pago 1").selectOption("mercadopago_qr");
    await page.getByLabel("Importe 1").fill("199.00");
    await page.getByTestId("remaining").filter({ hasText: "$0.00" }).waitFor();
    await page.keyboard.press("F9");
    // The sale waits for its payment with the QR the buyer scans.
    const wait = page.getByTestId("await-payment");
    await wait.getByRole("img", { name: "Código QR de Mercado Pago para pagar" }).waitFor();
    assert.ok((await page.getByTestId("mp-qr").getAttribute("data-qr")).length > 0, "the QR holds Mercado Pago's data");
    await shot("08-pos-mercadopago-qr");
    await axe("pos-mercadopago-qr");
    const paid = await fetch(env("MP_BUYER_URL") + "/pay-qr", {
      method: "POST",
      body: JSON.stringify({ company_id: company.id, payment_id: await wait.getAttribute("data-payment-id"), amount: "199.00", currency: "MXN" }),
    });
    assert.equal(paid.status, 200, "the host took Mercado Pago's notification");
    // Approved: the sale completes and the receipt shows the tender.
    await page.getByTestId("receipt-total").filter({ hasText: "$199.00" }).waitFor();
    await page.getByTestId("receipt").getByText("Mercado Pago").waitFor();
    await shot("09-pos-mercadopago-receipt");
    await page.getByRole("button", { name: "Nueva venta (F2)" }).click();
  });

  await step("consignment: a consignee, goods sent, part reported sold, aging", async () => {
    await open("Consignaciones", "Inventario");
    const who = page.getByRole("form", { name: "Nuevo consignatario" });
    await who.getByLabel("Nombre").fill("Boutique Lupita");
    await who.getByRole("button", { name: "Crear" }).click();
    const form = page.getByRole("form", { name: "Nueva consignación" });
    await form.getByLabel("Consignatario").locator("option", { hasText: "Boutique Lupita" }).waitFor({ state: "attached" });
    await form.getByLabel("Consignatario").selectOption({ label: "Boutique Lupita" });
    await form.getByLabel("Línea 1: SKU o código").fill("PLA-M");
    await form.getByLabel("Línea 1: cantidad").fill("4");
    await form.getByRole("button", { name: "Crear" }).click();
    await page.getByTestId("consignment-status").filter({ hasText: "Borrador" }).waitFor();
    await page.getByRole("button", { name: "Enviar" }).click();
    await page.getByTestId("consignment-status").filter({ hasText: "Enviada" }).waitFor();
    await page.getByLabel("Reportar vendido PLA-M").fill("1");
    await page.getByRole("button", { name: "Reportar vendido", exact: true }).click();
    await page.getByTestId("consignment-done").waitFor();
    // One unit sold at its price of 199.00: that much is owed.
    await page.getByTestId("consignment-owed").filter({ hasText: "$199.00" }).waitFor();
    await cell("consignment-lines", "PLA-M", "3").waitFor();
    await page.locator("#aging").getByRole("cell", { name: "Boutique Lupita" }).waitFor();
    await shot("10-consignment");
    await axe("consignment");
  });

  await step("reports and the dashboard's cards from the bundle", async () => {
    await open("Reportes de tienda");
    await page.getByTestId("stock-valuation").waitFor();
    await row("low-stock-report", "Bodega Norte").waitFor();
    await shot("11-reports");
    await axe("reports");
    await page.getByLabel("Idioma").selectOption("en");
    await page.getByRole("heading", { name: "Store reports", level: 1 }).waitFor();
    await page.getByLabel("Language").selectOption("es");
    await page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Tablero" }).click();
    await page.locator("#widget-cpg-low-stock").getByText("PLA-M").first().waitFor();
    await page.locator("#widget-cpg-consignment-aging").getByTestId("consignment-aging").waitFor();
    await shot("12-dashboard-widgets");
    await axe("dashboard-widgets");
  });
} catch (e) {
  await shot("failure").catch(() => undefined);
  console.error(steps.join("\n"));
  console.error("page errors: " + JSON.stringify(errors));
  console.error("FAILED: " + (e?.stack ?? e));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(steps.join("\n"));
if (errors.length > 0) {
  console.error("page errors: " + JSON.stringify(errors));
  process.exit(1);
}
if (violations.length > 0) {
  console.error("axe-core: serious or critical violations:\n" + JSON.stringify(violations, null, 2));
  process.exit(1);
}
console.log(JSON.stringify({ screens: 12 }));
