// What the browser test scripts share (web/e2e/*.test.mjs; the Go test
// host/internal/webui TestBrowser runs each with NEXUS_URL, CHROMIUM,
// OUT_DIR and the logins of the company it prepared).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The environment variable k, which must be set. */
export const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A browser run: sessions, screenshots, axe-core, named steps. */
export async function start() {
  const base = env("NEXUS_URL");
  const out = env("OUT_DIR");
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
  });
  const steps = [];
  const violations = [];
  const pages = [];
  return {
    base,
    steps,
    violations,
    /** A new browser context and page, Spanish (Mexico) by default. */
    async session(name) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "es-MX" });
      const page = await context.newPage();
      // Generous: the machine running make test may be busy. Speed is
      // never asserted.
      page.setDefaultTimeout(30_000);
      page.setDefaultNavigationTimeout(30_000);
      page.on("pageerror", (e) => steps.push(`${name}: page error ${e.message}`));
      pages.push({ name, page });
      return page;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(out, name + ".png"), fullPage: true });
    },
    /** axe-core on the page: serious and critical violations are collected. */
    async axe(page, screen) {
      // Evaluated over the DevTools protocol: the app's Content-Security-
      // Policy (no inline scripts) stays in force for the app itself.
      await page.evaluate(axeSource);
      const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      });
      for (const v of result) if (v.impact === "serious" || v.impact === "critical") violations.push({ screen, ...v });
    },
    async step(name, fn) {
      const t0 = Date.now();
      console.error(`… ${name}`);
      await fn();
      steps.push(`${name}: ok (${Date.now() - t0} ms)`);
    },
    /** Ends the run: on error, screenshots of every page and exit 1; then axe-core's verdict. */
    async finish(error) {
      if (error) {
        for (const { name, page } of pages) await page.screenshot({ path: join(out, "failure-" + name + ".png"), fullPage: true }).catch(() => undefined);
        console.error(steps.join("\n"));
        console.error("FAILED: " + (error?.stack ?? error));
        await browser.close();
        process.exit(1);
      }
      await browser.close();
      console.log(steps.join("\n"));
      if (violations.length > 0) {
        console.error("axe-core: serious or critical violations:\n" + JSON.stringify(violations, null, 2));
        process.exit(1);
      }
    },
  };
}

/** Signs in through the login page. */
export async function login(page, base, email, password) {
  await page.goto(base + "/");
  await page.getByRole("heading", { name: "Inicia sesión en Nexus" }).waitFor();
  await page.getByLabel("Correo electrónico").fill(email);
  await page.getByLabel("Contraseña").fill(password);
  await page.getByRole("button", { name: "Iniciar sesión" }).click();
}

/** Waits until the app shows path (history navigations fire no load event). */
export async function atPath(page, path) {
  await page.waitForFunction((p) => location.pathname + location.search === p || location.pathname === p, path);
}

/**
 * Opens a vertical's page from the main menu: the entry named label, in
 * the drop-down of section when that section holds several entries.
 */
export async function openFromMenu(page, section, label) {
  const nav = page.getByRole("navigation", { name: "Principal" });
  const link = nav.getByRole("link", { name: label, exact: true });
  if (!(await link.isVisible())) await nav.locator("summary", { hasText: section }).click();
  await link.click();
}

/** How many links of the main menu are named label, shown or folded away. */
export async function menuLinks(page, label) {
  return page.locator("nav[aria-label=Principal] a", { hasText: label }).count();
}
