// The services vertical's pages and dashboard widget, as the host's UI
// contract (web/src/vertical.d.ts) asks of a bundle: `pages` and `widgets`,
// each a function that renders into the shell's element and returns its
// cleanup. The manifest (plugins/services/ui.go) declares which the menu
// and the dashboard show, and to which roles.
import { mount, type Mount } from "./app";
import { Aging, Receivables } from "./pages/aging";
import { BillingRuns } from "./pages/billing";
import { Contracts } from "./pages/contracts";

/** The pages by key: /v/services/{key}. */
export const pages: Record<string, Mount> = {
  contracts: mount(Contracts),
  "billing-runs": mount(BillingRuns),
  aging: mount(Aging),
};

/** The dashboard widgets by key. */
export const widgets: Record<string, Mount> = {
  receivables: mount(Receivables),
};
