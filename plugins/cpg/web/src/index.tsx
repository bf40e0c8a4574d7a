// The CPG vertical's pages and dashboard widgets, as the host's UI
// contract asks of a bundle: `pages` and `widgets`, each a function that
// renders into the shell's element and returns its cleanup. The manifest
// (plugins/cpg/ui.go) declares which the menu and the dashboard show.
import { mount } from "./app";
import { Catalog } from "./pages/catalog";
import { Consignments } from "./pages/consignments";
import { Pos } from "./pages/pos";
import { Purchases } from "./pages/purchases";
import { Reports } from "./pages/reports";
import { Stock } from "./pages/stock";
import { ConsignmentAging, LowStock, OpenSessions } from "./pages/widgets";
import type { Mount } from "./vertical";

/** The pages by key: /v/cpg/{key}. */
export const pages: Record<string, Mount> = {
  pos: mount(Pos),
  catalog: mount(Catalog),
  stock: mount(Stock),
  purchases: mount(Purchases),
  consignments: mount(Consignments),
  reports: mount(Reports),
};

/** The dashboard widgets by key. */
export const widgets: Record<string, Mount> = {
  "low-stock": mount(LowStock),
  "consignment-aging": mount(ConsignmentAging),
  "open-sessions": mount(OpenSessions),
};
