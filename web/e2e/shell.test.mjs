// The shell and the verticals' pages in a real browser: the services
// vertical's pages opened from the menu its manifest declares, showing the
// plugin's data (a payment and a credit recorded through its page); its
// dashboard card; a cashier neither shown nor let into what is above its
// role; the platform admin's companies page. Environment (host/internal/webui
// TestBrowser): NEXUS_URL, CHROMIUM, OUT_DIR, ADMIN_EMAIL/ADMIN_PASSWORD,
// and a company with the services vertical: SERVICES_OWNER_EMAIL/_PASSWORD,
// SERVICES_CASHIER_EMAIL/_PASSWORD and the data written for it,
// SERVICES_CLIENT, SERVICES_CONTRACT, SERVICES_PERIOD (a contract of
// 8,500.00 a month plus IVA billed for that month).
import assert from "node:assert/strict";
import { atPath, env, login, menuLinks, openFromMenu, start } from "./lib.mjs";

const run = await start();
const { base, step, shot, axe } = run;
const client = env("SERVICES_CLIENT");
const contract = env("SERVICES_CONTRACT");
const period = env("SERVICES_PERIOD");

try {
  const owner = await run.session("owner");
  await step("the owner's dashboard shows the services vertical's card", async () => {
    await login(owner, base, env("SERVICES_OWNER_EMAIL"), env("SERVICES_OWNER_PASSWORD"));
    await atPath(owner, "/");
    const card = owner.locator("#widget-services-receivables");
    await card.getByRole("heading", { name: "Cuentas por cobrar (servicios)" }).waitFor();
    // 8,500.00 + 16 % IVA, in the company's currency and es-MX.
    await card.getByText("$9,860.00").first().waitFor();
    await shot(owner, "01-dashboard-services-card");
  });

  await step("contracts, opened from the menu, list the plugin's contract", async () => {
    await openFromMenu(owner, "Facturación", "Contratos");
    await atPath(owner, "/v/services/contracts");
    await owner.getByRole("heading", { level: 1, name: "Contratos" }).waitFor();
    const row = owner.getByTestId("contracts").getByRole("row", { name: new RegExp(contract) });
    await row.getByRole("cell", { name: client }).waitFor();
    await row.getByRole("cell", { name: "Activo" }).waitFor();
    await row.getByRole("cell", { name: "$8,500.00" }).waitFor();
    assert.equal(await owner.title(), "Contratos · Tenant · Nexus");
    await shot(owner, "02-services-contracts");
    await axe(owner, "services-contracts");
  });

  await step("a new client and a draft contract through the page", async () => {
    await owner.getByTestId("new-client").getByLabel("Nombre o razón social").fill("Arquitectos Norte");
    await owner.getByTestId("new-client").getByLabel("RFC o CUIT").fill("XAXX010101000");
    await owner.getByTestId("new-client").getByRole("button", { name: "Crear" }).click();
    await owner.getByText("Cliente «Arquitectos Norte» creado.").waitFor();
    const form = owner.getByTestId("new-contract");
    await form.getByLabel("Cliente").selectOption({ label: "Arquitectos Norte" });
    await form.getByLabel("Descripción").fill("Mantenimiento de planos");
    await form.getByLabel(/Honorario mensual/).fill("1200");
    await form.getByLabel("IVA").selectOption({ label: "IVA 8 %" });
    await form.getByRole("button", { name: "Crear" }).click();
    await owner.getByText("Contrato «Mantenimiento de planos» creado como borrador.").waitFor();
    const row = owner.getByTestId("contracts").getByRole("row", { name: /Mantenimiento de planos/ });
    await row.getByRole("cell", { name: "Borrador" }).waitFor();
    // Bad input shows the API's own message.
    await form.getByLabel("Cliente").selectOption({ label: "Arquitectos Norte" });
    await form.getByLabel("Descripción").fill("Sin honorario");
    await form.getByLabel(/Honorario mensual/).fill("-5");
    await form.getByRole("button", { name: "Crear" }).click();
    await owner.locator("#services-new-contract").getByRole("alert").waitFor();
    await shot(owner, "03-services-new-contract");
  });

  await step("billing runs and the month's charges; a payment recorded", async () => {
    await openFromMenu(owner, "Facturación", "Corridas de facturación");
    await atPath(owner, "/v/services/billing-runs");
    await owner.getByTestId("runs").getByRole("cell", { name: period }).first().waitFor();
    await owner.getByRole("link", { name: "Ver cargos " + period }).first().click();
    await atPath(owner, "/v/services/billing-runs?period=" + period);
    const row = owner.getByTestId("charges").getByRole("row", { name: new RegExp(client) });
    await row.getByRole("cell", { name: "$9,860.00" }).first().waitFor();
    await row.getByRole("button", { name: "Registrar pago " + client }).click();
    const pay = owner.getByTestId("payment");
    await pay.getByLabel(/Importe/).fill("1000.00");
    await pay.getByRole("button", { name: "Registrar" }).click();
    await owner.getByText("Pago registrado; saldo $8,860.00.").waitFor();
    await row.getByRole("cell", { name: "Pagado en parte" }).waitFor();
    await row.getByRole("cell", { name: "Sin factura" }).waitFor();
    await row.getByRole("button", { name: "Acreditar cargo " + client }).click();
    const credit = owner.getByTestId("credit");
    await credit.getByLabel(/Importe/).fill("860.00");
    await credit.getByLabel("Motivo").fill("Horas no trabajadas");
    await credit.getByRole("button", { name: "Acreditar" }).click();
    await owner.getByText("Crédito registrado; saldo $8,000.00.").waitFor();
    await row.getByRole("cell", { name: "$8,000.00" }).first().waitFor();
    await shot(owner, "04-services-billing-runs");
    await axe(owner, "services-billing-runs");
  });

  await step("the receivables aging shows what the client owes", async () => {
    await openFromMenu(owner, "Reportes", "Antigüedad de saldos");
    await atPath(owner, "/v/services/aging");
    const row = owner.getByTestId("aging-clients").getByRole("row", { name: new RegExp(client) });
    await row.getByRole("cell", { name: "$8,000.00" }).first().waitFor();
    await shot(owner, "05-services-aging");
    await axe(owner, "services-aging");
  });

  await step("English on demand: the vertical's page follows the shell's language", async () => {
    await owner.getByLabel("Idioma").selectOption("en");
    await owner.getByRole("heading", { level: 1, name: "Receivables aging" }).waitFor();
    await owner.getByLabel("Language").selectOption("es");
    await owner.getByRole("heading", { level: 1, name: "Antigüedad de saldos" }).waitFor();
  });

  const cashier = await run.session("cashier");
  await step("a cashier sees the pages of its role only, and no administration", async () => {
    await login(cashier, base, env("SERVICES_CASHIER_EMAIL"), env("SERVICES_CASHIER_PASSWORD"));
    await cashier.getByRole("navigation", { name: "Principal" }).waitFor();
    assert.equal(await menuLinks(cashier, "Contratos"), 1, "contracts are for every role");
    assert.equal(await menuLinks(cashier, "Antigüedad de saldos"), 0, "the aging is for managers");
    assert.equal(await menuLinks(cashier, "Administración"), 0);
    assert.equal(await menuLinks(cashier, "Empresas"), 0);
    await cashier.goto(base + "/v/services/aging");
    await cashier.getByTestId("no-access").waitFor();
    await shot(cashier, "06-cashier-no-aging");
    await cashier.goto(base + "/admin");
    await cashier.getByTestId("no-access").waitFor();
    await cashier.goto(base + "/companies");
    await cashier.getByTestId("no-access").waitFor();
    // The contracts page without the managers' forms and actions.
    await cashier.goto(base + "/v/services/contracts");
    await cashier.getByTestId("contracts").getByRole("cell", { name: client }).waitFor();
    assert.equal(await cashier.getByTestId("new-contract").count(), 0);
    assert.equal(await cashier.getByRole("button", { name: /^Suspender/ }).count(), 0);
    assert.equal(await cashier.locator("#widget-services-receivables").count(), 0);
    await shot(cashier, "07-cashier-contracts");
  });

  const admin = await run.session("admin");
  await step("the platform admin lists and creates companies", async () => {
    await login(admin, base, env("ADMIN_EMAIL"), env("ADMIN_PASSWORD"));
    await atPath(admin, "/companies");
    await admin.getByRole("heading", { level: 1, name: "Empresas" }).waitFor();
    const form = admin.getByTestId("new-company");
    await form.getByLabel("Razón social").fill("Librería del Puerto SA");
    await form.getByLabel("País").selectOption("AR");
    assert.equal(await form.getByLabel("Moneda").inputValue(), "ARS");
    await form.getByLabel("RFC o CUIT").fill("30-71234567-1");
    await form.getByRole("button", { name: "Crear" }).click();
    await admin.getByText("Empresa «Librería del Puerto SA» creada.").waitFor();
    const row = admin.getByTestId("companies").getByRole("row", { name: /Librería del Puerto SA/ });
    await row.getByRole("cell", { name: "Activa", exact: true }).waitFor();
    await row.getByRole("button", { name: "Desactivar Librería del Puerto SA" }).click();
    await row.getByRole("cell", { name: "Inactiva", exact: true }).waitFor();
    await shot(admin, "08-platform-companies");
    await axe(admin, "platform-companies");
  });
} catch (e) {
  await run.finish(e);
}
await run.finish();
