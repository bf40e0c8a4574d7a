// The finance screen (/finance) in a real browser: a CFDI uploaded, a bank
// account created, a CSV statement imported with its layout (a bad row
// rejected with the API's reason) and an OFX one, the suggested matches, a
// deposit net of a fee matched by hand with the invoice and undone, a
// suggestion accepted;
// the fiscal documents list with a filter (empty: issuing one needs a PAC
// or AFIP setup this company does not have: fiscal.test.mjs opens an
// Argentine invoice AFIP authorized); a cashier sees the
// reconciliation but no action. Environment (host/internal/webui
// TestBrowser): NEXUS_URL, CHROMIUM, OUT_DIR, OWNER_EMAIL/OWNER_PASSWORD
// and CASHIER_EMAIL/CASHIER_PASSWORD of a Mexican company.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { atPath, env, login, start } from "./lib.mjs";

const run = await start();
const { base, step, shot, axe } = run;
const out = env("OUT_DIR");

/** The company's RFC, read through the public API as the owner. */
async function companyRFC() {
  const post = await fetch(base + "/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: env("OWNER_EMAIL"), password: env("OWNER_PASSWORD") }),
  });
  assert.equal(post.status, 200, "login");
  const { access_token: token, company_id: id } = await post.json();
  const res = await fetch(`${base}/api/v1/companies/${id}`, { headers: { Authorization: "Bearer " + token } });
  assert.equal(res.status, 200, "company");
  return (await res.json()).tax_id;
}

try {
  // An issued CFDI of 16,190.00 (serie A, folio 1024, 2024-03-15): the
  // invoices package's sample with the company as its issuer and a fresh UUID.
  const sample = readFileSync(fileURLToPath(new URL("../../host/internal/invoices/testdata/ingreso.xml", import.meta.url)), "utf8");
  const cfdi = join(out, "factura-a1024.xml");
  writeFileSync(
    cfdi,
    sample.replace('Rfc="EKU9003173C9"', `Rfc="${await companyRFC()}"`).replace(/UUID="[^"]+"/, `UUID="${randomUUID().toUpperCase()}"`),
  );
  // The bank's CSV: the invoice paid in full, the same customer's deposit
  // net of a 90.00 fee, the bank's fee, and a row with an impossible date.
  const statement = join(out, "estado-marzo.csv");
  writeFileSync(
    statement,
    [
      "Fecha,Concepto,Referencia,Importe",
      "2024-03-20,SPEI RECIBIDO FACT A-1024,REF-A1024,16190.00",
      "2024-03-21,DEPOSITO NETO TERMINAL,REF-NETO,16100.00",
      "2024-03-22,COMISION POR MANEJO,,-150.00",
      "2024-02-31,FECHA IMPOSIBLE,,10.00",
      "",
    ].join("\n"),
  );

  // An OFX 2.x statement of the same account (its number ends in 6789).
  const ofx = fileURLToPath(new URL("../../host/internal/banking/testdata/statement_2x.ofx", import.meta.url));

  const owner = await run.session("owner");
  const recon = owner.locator("#reconciliation");

  await step("the owner uploads a CFDI on /finance", async () => {
    await login(owner, base, env("OWNER_EMAIL"), env("OWNER_PASSWORD"));
    await atPath(owner, "/");
    await owner.getByRole("link", { name: "Facturas y bancos" }).click();
    await atPath(owner, "/finance");
    await owner.getByLabel("Subir CFDI (XML)").setInputFiles(cfdi);
    await owner.getByText("CFDI recibido.").waitFor();
    await owner.locator("#invoices").getByRole("cell", { name: "$16,190.00" }).waitFor();
  });

  await step("a bank account is created and a CSV statement imported with its layout", async () => {
    const card = owner.locator("#bank-import");
    await card.getByRole("button", { name: "Nueva cuenta bancaria" }).click();
    const form = card.getByTestId("new-account");
    await form.getByLabel("Nombre").fill("BBVA operativa");
    await form.getByLabel("Banco").fill("BBVA");
    await form.getByLabel("Últimos 4 dígitos").fill("6789");
    await form.getByRole("button", { name: "Crear" }).click();
    await card.getByLabel("Cuenta bancaria").locator("option", { hasText: "BBVA operativa" }).waitFor({ state: "attached" });
    assert.match(await card.getByLabel("Cuenta bancaria").inputValue(), /^[0-9a-f-]{36}$/);

    const upload = card.getByTestId("statement-upload");
    await upload.getByLabel("Archivo del estado de cuenta (CSV u OFX)").setInputFiles(statement);
    await upload.getByLabel("Columna de fecha").fill("Fecha");
    await upload.getByLabel("Columna de concepto").fill("Concepto");
    await upload.getByLabel("Columna de referencia").fill("Referencia");
    await upload.getByLabel("Columna de importe (con signo)").fill("Importe");
    await upload.getByRole("button", { name: "Importar" }).click();
    const result = upload.getByTestId("import-result");
    await result.getByText("3 movimientos importados, 0 duplicados, 1 rechazados.").waitFor();
    // The API's own reason for the rejected row (line 5 of the file).
    const rejected = result.getByRole("row", { name: /2024-02-31/ });
    await rejected.getByRole("cell", { name: "5", exact: true }).waitFor();
    await rejected.getByRole("cell", { name: "date", exact: true }).waitFor();
    await card.getByRole("row", { name: /estado-marzo\.csv/ }).waitFor();
    // The movements are open in the reconciliation.
    await recon.getByTestId("unreconciled").getByRole("row", { name: /DEPOSITO NETO TERMINAL/ }).getByRole("cell", { name: "$16,100.00" }).waitFor();
    await recon.getByTestId("unreconciled").getByRole("row", { name: /COMISION POR MANEJO/ }).getByRole("cell", { name: "-$150.00" }).waitFor();
    await shot(owner, "01-statement-imported");
    await axe(owner, "finance-import");
  });

  await step("the same file again: every row a duplicate", async () => {
    const upload = owner.getByTestId("statement-upload");
    await upload.getByRole("button", { name: "Importar" }).click();
    await upload.getByTestId("import-result").getByText("0 movimientos importados, 3 duplicados, 1 rechazados.").waitFor();
  });

  await step("suggested matches: the full payment pays invoice A-1024", async () => {
    await recon.getByRole("button", { name: "Sugerir conciliación" }).click();
    const row = recon.getByTestId("suggestions").getByRole("row", { name: /SPEI RECIBIDO FACT A-1024/ });
    await row.getByRole("cell", { name: /Factura A-1024/ }).waitFor();
    await row.getByRole("button", { name: "Aceptar" }).waitFor();
    await shot(owner, "02-suggestions");
  });

  await step("a deposit net of a fee matched by hand with the invoice, then undone", async () => {
    const form = recon.getByTestId("manual-match");
    const select = form.getByLabel("Movimiento");
    const value = await select.locator("option", { hasText: "DEPOSITO NETO TERMINAL" }).getAttribute("value");
    await select.selectOption(value);
    await form.getByLabel(/Factura A-1024/).check();
    await form.getByLabel("Nota").fill("neto de comisión");
    await form.getByRole("button", { name: "Conciliar" }).click();
    await recon.getByText("Movimiento conciliado (diferencia -$90.00).").waitFor();
    const match = recon.getByTestId("matches").getByRole("row", { name: /DEPOSITO NETO TERMINAL/ });
    await match.getByRole("cell", { name: "Manual" }).waitFor();
    await match.getByRole("cell", { name: /neto de comisión/ }).waitFor();
    await match.getByRole("cell", { name: "-$90.00" }).waitFor();
    // Matched, it left the open movements and the invoice left the open ones.
    await recon.getByTestId("unreconciled").getByRole("row", { name: /DEPOSITO NETO TERMINAL/ }).waitFor({ state: "detached" });
    assert.equal(await form.getByLabel(/Factura A-1024/).count(), 0);
    await shot(owner, "03-manual-match");
    await axe(owner, "finance-reconciliation");

    await match.getByRole("button", { name: "Deshacer" }).click();
    await recon.getByText("Conciliación deshecha.").waitFor();
    await match.getByRole("cell", { name: /^Deshecha / }).waitFor();
    await recon.getByTestId("unreconciled").getByRole("row", { name: /DEPOSITO NETO TERMINAL/ }).waitFor();
    await form.getByLabel(/Factura A-1024/).waitFor();
    await shot(owner, "04-match-undone");
  });

  await step("a suggestion accepted", async () => {
    await recon.getByRole("button", { name: "Sugerir conciliación" }).click();
    const row = recon.getByTestId("suggestions").getByRole("row", { name: /SPEI RECIBIDO FACT A-1024/ });
    await row.getByRole("button", { name: "Aceptar" }).click();
    await recon.getByText("Movimiento conciliado.").waitFor();
    const match = recon.getByTestId("matches").getByRole("row", { name: /SPEI RECIBIDO FACT A-1024/ });
    await match.getByRole("cell", { name: /sugerencia aceptada/ }).waitFor();
    await match.getByRole("button", { name: "Deshacer" }).waitFor();
    await recon.getByTestId("unreconciled").getByRole("row", { name: /SPEI RECIBIDO FACT A-1024/ }).waitFor({ state: "detached" });
  });

  await step("an OFX statement needs no layout", async () => {
    const upload = owner.getByTestId("statement-upload");
    await upload.getByLabel("Archivo del estado de cuenta (CSV u OFX)").setInputFiles(ofx);
    await upload.getByRole("group", { name: "Formato del CSV" }).waitFor({ state: "detached" });
    await upload.getByRole("button", { name: "Importar" }).click();
    await upload.getByTestId("import-result").getByText("2 movimientos importados, 0 duplicados, 1 rechazados.").waitFor();
    await owner.locator("#bank-import").getByRole("row", { name: /statement_2x\.ofx/ }).waitFor();
    await recon.getByTestId("unreconciled").getByRole("cell", { name: "$2,320.00" }).waitFor();
  });

  await step("fiscal documents: the list and its filters render", async () => {
    const card = owner.locator("#fiscal-documents");
    await card.getByRole("heading", { name: "Comprobantes fiscales" }).waitFor();
    await card.getByLabel("Estado").selectOption({ label: "Autorizado" });
    await card.getByLabel("Tipo").selectOption({ label: "Nota de crédito" });
    await card.getByLabel("Desde").fill("2024-03-01");
    await card.getByText("No hay comprobantes fiscales con estos filtros.").waitFor();
    await shot(owner, "05-fiscal-documents");
    await axe(owner, "finance-fiscal");
  });

  await step("in English the screen speaks English", async () => {
    await owner.getByLabel("Idioma").selectOption("en");
    await owner.getByRole("heading", { level: 1, name: "Invoices and banking" }).waitFor();
    await recon.getByRole("heading", { name: "Bank reconciliation" }).waitFor();
    await recon.getByTestId("matches").getByRole("cell", { name: "Manual" }).first().waitFor();
    // The last action's notice follows the language too.
    await recon.getByRole("status").getByText("Movement reconciled.").waitFor();
    await shot(owner, "06-finance-en");
    await owner.getByLabel("Language").selectOption("es");
  });

  const cashier = await run.session("cashier");
  await step("a cashier sees the reconciliation but cannot act", async () => {
    await login(cashier, base, env("CASHIER_EMAIL"), env("CASHIER_PASSWORD"));
    await atPath(cashier, "/v/cpg/pos");
    await cashier.goto(base + "/finance");
    const r = cashier.locator("#reconciliation");
    const match = r.getByTestId("matches").getByRole("row", { name: /SPEI RECIBIDO FACT A-1024/ });
    await match.getByRole("cell", { name: "Vigente" }).waitFor();
    await match.getByRole("cell", { name: /Factura A-1024 \(\$16,190\.00\)/ }).waitFor();
    assert.equal(await r.getByRole("button").count(), 0, "no reconciliation action for a cashier");
    assert.equal(await cashier.getByTestId("statement-upload").count(), 0, "no statement upload for a cashier");
    assert.equal(await cashier.getByRole("button", { name: "Nueva cuenta bancaria" }).count(), 0);
    await shot(cashier, "07-cashier-finance");
    await axe(cashier, "finance-cashier");
  });
} catch (e) {
  await run.finish(e);
}
await run.finish();
