// An Argentine company's fiscal document in a real browser: a sale's
// invoice, authorized by AFIP (host/internal/fiscal/afip/afiptest, a local
// fake the host reaches through NEXUS_AFIP_WSAA_URL/NEXUS_AFIP_WSFE_URL),
// listed on /finance; its detail shows the state and the CAE, and its
// printable receipt opens in a new tab holding the CAE. Environment
// (host/internal/webui TestBrowser): NEXUS_URL, CHROMIUM, OUT_DIR,
// AR_OWNER_EMAIL/AR_OWNER_PASSWORD of the company, AR_SALE_ID (the sale)
// and AR_CAE (the CAE AFIP gave its invoice).
import assert from "node:assert/strict";
import { atPath, env, login, start } from "./lib.mjs";

const run = await start();
const { base, step, shot, axe } = run;
const cae = env("AR_CAE");

try {
  const owner = await run.session("owner");
  const card = owner.locator("#fiscal-documents");

  await step("the authorized invoice is listed on /finance with its CAE", async () => {
    await login(owner, base, env("AR_OWNER_EMAIL"), env("AR_OWNER_PASSWORD"));
    await atPath(owner, "/");
    await owner.getByRole("link", { name: "Facturas y bancos" }).click();
    await atPath(owner, "/finance");
    const row = card.getByTestId("fiscal-list").getByRole("row", { name: new RegExp(cae) });
    await row.getByRole("cell", { name: "Autorizado" }).waitFor();
    await row.getByRole("cell", { name: "Factura" }).waitFor();
    await row.getByRole("cell", { name: cae, exact: true }).waitFor();
  });

  await step("its detail: state, CAE and its due date, the sale", async () => {
    await card.getByTestId("fiscal-list").getByRole("button", { name: /Ver detalle/ }).click();
    const detail = card.getByTestId("fiscal-detail");
    await detail.getByRole("heading", { name: /^Factura / }).waitFor();
    await detail.locator("dt", { hasText: "CAE" }).waitFor();
    assert.equal(await detail.locator("dd").first().innerText(), "Autorizado");
    const code = await detail.locator("dt:text-is('CAE') + dd").innerText();
    assert.match(code, new RegExp(`^${cae} · vence el `), code);
    await detail.getByText(`cpg · ${env("AR_SALE_ID")}`).waitFor();
    await shot(owner, "01-fiscal-detail");
    await axe(owner, "finance-fiscal-detail");
  });

  await step("the printable receipt opens in a new tab with the CAE", async () => {
    const [tab] = await Promise.all([
      owner.context().waitForEvent("page"),
      card.getByTestId("fiscal-detail").getByRole("button", { name: "Representación impresa" }).click(),
    ]);
    await tab.waitForURL(/^blob:/);
    await tab.waitForFunction((c) => document.body?.innerText.includes(c), cae);
    await shot(tab, "02-printable");
    await tab.close();
  });
} catch (e) {
  await run.finish(e);
}
await run.finish();
