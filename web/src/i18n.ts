// Texts in Spanish (es-MX, es-AR) and English, and the company's
// formatting of money, numbers and dates (Intl, in its time zone).

export type Lang = "es" | "en";

const es = {
  appName: "Nexus",
  skip: "Saltar al contenido",
  email: "Correo electrónico",
  password: "Contraseña",
  signIn: "Iniciar sesión",
  signingIn: "Entrando…",
  signOut: "Cerrar sesión",
  company: "Empresa",
  language: "Idioma",
  loginTitle: "Inicia sesión en Nexus",
  badLogin: "Correo o contraseña incorrectos.",
  navDashboard: "Tablero",
  navFinance: "Facturas y bancos",
  navAdmin: "Administración",
  navReports: "Reportes",
  navCompanies: "Empresas",
  secOperate: "Operación",
  secCatalog: "Catálogo",
  secInventory: "Inventario",
  secPurchasing: "Compras",
  secBilling: "Facturación",
  secReports: "Reportes",
  secAdmin: "Configuración",
  pageMissing: "Esta página no se pudo cargar.",
  // companies (platform admin)
  companies: "Empresas",
  newCompany: "Nueva empresa",
  companyName: "Razón social",
  country: "País",
  currency: "Moneda",
  taxID: "RFC o CUIT",
  timezone: "Zona horaria",
  active: "Activa",
  inactive: "Inactiva",
  activate: "Activar",
  deactivate: "Desactivar",
  companyCreated: "Empresa «{name}» creada.",
  loading: "Cargando…",
  noAccess: "No tienes acceso a esta sección.",
  notFound: "Página no encontrada.",
  retry: "Reintentar",
  save: "Guardar",
  edit: "Editar",
  cancel: "Cancelar",
  remove: "Quitar",
  create: "Crear",
  revoke: "Revocar",
  more: "Cargar más",
  none: "Sin datos.",
  // dashboard
  revenue: "Ingresos",
  today: "Hoy",
  week: "Semana",
  month: "Mes",
  vertical: "Línea de negocio",
  txType: "Tipo de transacción",
  total: "Total",
  fresh: "Al día",
  stale: "Desactualizado",
  neverRefreshed: "Sin actualizar",
  rollupAge: "Ventas recientes: hace {s}",
  mvAge: "Vistas: hace {s}",
  refreshNow: "Actualizar ahora",
  refreshing: "Actualizando…",
  refreshDone: "Vistas actualizadas.",
  rateLimited: "Ya se actualizó hace poco; intenta en {s} s.",
  salesByDay: "Ventas por día (30 días)",
  cart: "Ticket",
  product: "Producto",
  amount: "Importe",
  subtotal: "Subtotal",
  method: "Forma de pago",
  reference: "Referencia",
  cash: "Efectivo",
  card: "Tarjeta",
  change: "Cambio",
  session: "Sesión",
  status: "Estado",
  // admin
  members: "Miembros",
  role: "Rol",
  invitations: "Invitaciones",
  invite: "Invitar",
  tokenOnce: "Entrega este token a la persona invitada (se muestra una sola vez):",
  apiKeys: "Claves de API",
  name: "Nombre",
  keyOnce: "Copia la clave ahora (se muestra una sola vez):",
  verticals: "Líneas de negocio",
  enabled: "Habilitada",
  configuration: "Configuración",
  audit: "Bitácora",
  action: "Acción",
  actor: "Quién",
  target: "Objeto",
  when: "Cuándo",
  filterAction: "Filtrar por acción",
  prefix: "Prefijo",
  lastUsed: "Último uso",
  // invoices and banking
  search: "Buscar",
  invoices: "Facturas (CFDI)",
  uploadCFDI: "Subir CFDI (XML)",
  uploaded: "CFDI recibido.",
  reconciliation: "Conciliación bancaria",
  unreconciled: "Movimientos sin conciliar",
  runReconcile: "Sugerir conciliación",
  applyMatches: "Aplicar coincidencias",
  reconcileSummary: "{e} movimientos revisados: {m} coincidencias, {u} por decidir, {n} sin candidatos.",
  bankImport: "Importar estado de cuenta",
  bankAccount: "Cuenta bancaria",
  noAccounts: "Aún no hay cuentas bancarias.",
  newAccount: "Nueva cuenta bancaria",
  bank: "Banco",
  last4: "Últimos 4 dígitos",
  recentImports: "Importaciones recientes",
  file: "Archivo",
  imported: "Importados",
  duplicates: "Duplicados",
  rejected: "Rechazados",
  importStatement: "Importar",
  importing: "Importando…",
  statementFile: "Archivo del estado de cuenta (CSV u OFX)",
  csvLayout: "Formato del CSV",
  delimiter: "Separador",
  tab: "Tabulador",
  decimalSeparator: "Separador decimal",
  skipRows: "Líneas a omitir",
  hasHeader: "La primera fila nombra las columnas",
  columnsHelp: "Columnas por su encabezado, o por número (1, 2, …) si el archivo no tiene encabezado.",
  colDate: "Columna de fecha",
  dateFormat: "Formato de fecha",
  colDescription: "Columna de concepto",
  colReference: "Columna de referencia",
  debitCredit: "Cargos y abonos en columnas separadas",
  colDebit: "Columna de cargos",
  colCredit: "Columna de abonos",
  colAmount: "Columna de importe (con signo)",
  saveLayout: "Guardar este formato en la cuenta",
  importSummary: "{i} movimientos importados, {d} duplicados, {r} rechazados.",
  rejectedRows: "Filas rechazadas",
  rowNumber: "Fila",
  field: "Campo",
  reason: "Motivo",
  suggestions: "Coincidencias sugeridas",
  reconcileMore: "Quedan más movimientos: sugiere otra vez después de aplicar estas.",
  noSuggestions: "No hay coincidencias que sugerir.",
  movement: "Movimiento",
  pays: "Paga",
  score: "Puntaje",
  accept: "Aceptar",
  acceptedNote: "sugerencia aceptada",
  appliedSummary: "{m} coincidencias aplicadas.",
  matched: "Movimiento conciliado.",
  matchedDiff: "Movimiento conciliado (diferencia {d}).",
  undone: "Conciliación deshecha.",
  matches: "Conciliaciones",
  difference: "Diferencia",
  matchMethod: "Cómo",
  auto: "Automática",
  manual: "Manual",
  undo: "Deshacer",
  undoMatch: "Deshacer la conciliación de {m}",
  undoneAt: "Deshecha {t}",
  live: "Vigente",
  manualMatch: "Conciliar a mano",
  choose: "Elige…",
  matchWith: "Con facturas o pagos abiertos",
  nothingOpen: "No hay facturas ni pagos abiertos.",
  invoice: "Factura",
  payment: "Pago",
  note: "Nota",
  reconcile: "Conciliar",
  description: "Concepto",
  why_ambiguous: "ambigua",
  why_low_score: "puntaje bajo",
  why_conflict: "en conflicto con otro movimiento",
  why_search_limit: "demasiadas combinaciones",
  fiscalDocuments: "Comprobantes fiscales",
  filters: "Filtros",
  all: "Todos",
  kind: "Tipo",
  from: "Desde",
  to: "Hasta",
  number: "Serie y número",
  authorization: "CAE / UUID",
  detail: "Ver detalle",
  noFiscalDocuments: "No hay comprobantes fiscales con estos filtros.",
  fs_draft: "Borrador",
  fs_pending_global: "En la factura global",
  fs_requested: "Solicitado",
  fs_authorized: "Autorizado",
  fs_rejected: "Rechazado",
  fs_cancellation_requested: "Cancelación solicitada",
  fs_cancelled: "Cancelado",
  fk_invoice: "Factura",
  fk_credit_note: "Nota de crédito",
  fk_payment_receipt: "Recibo de pago",
  documentTitle: "{k} {n}",
  caeDue: "vence el {d}",
  authorizedAt: "Autorizado el",
  customerTaxID: "RFC o CUIT del cliente",
  source: "Origen",
  authorityMessages: "Mensajes de la autoridad",
  printable: "Representación impresa",
  close: "Cerrar",
};

export type Key = keyof typeof es;

const en: Record<Key, string> = {
  appName: "Nexus",
  skip: "Skip to content",
  email: "Email",
  password: "Password",
  signIn: "Sign in",
  signingIn: "Signing in…",
  signOut: "Sign out",
  company: "Company",
  language: "Language",
  loginTitle: "Sign in to Nexus",
  badLogin: "Wrong email or password.",
  navDashboard: "Dashboard",
  navFinance: "Invoices and banking",
  navAdmin: "Administration",
  navReports: "Reports",
  navCompanies: "Companies",
  secOperate: "Operations",
  secCatalog: "Catalog",
  secInventory: "Inventory",
  secPurchasing: "Purchasing",
  secBilling: "Billing",
  secReports: "Reports",
  secAdmin: "Settings",
  pageMissing: "This page could not be loaded.",
  companies: "Companies",
  newCompany: "New company",
  companyName: "Legal name",
  country: "Country",
  currency: "Currency",
  taxID: "RFC or CUIT",
  timezone: "Time zone",
  active: "Active",
  inactive: "Inactive",
  activate: "Activate",
  deactivate: "Deactivate",
  companyCreated: "Company “{name}” created.",
  loading: "Loading…",
  noAccess: "You do not have access to this section.",
  notFound: "Page not found.",
  retry: "Retry",
  save: "Save",
  edit: "Edit",
  cancel: "Cancel",
  remove: "Remove",
  create: "Create",
  revoke: "Revoke",
  more: "Load more",
  none: "No data.",
  revenue: "Revenue",
  today: "Today",
  week: "Week",
  month: "Month",
  vertical: "Business line",
  txType: "Transaction type",
  total: "Total",
  fresh: "Fresh",
  stale: "Stale",
  neverRefreshed: "Never refreshed",
  rollupAge: "Recent sales: {s} ago",
  mvAge: "Views: {s} ago",
  refreshNow: "Refresh now",
  refreshing: "Refreshing…",
  refreshDone: "Views refreshed.",
  rateLimited: "Refreshed recently; try again in {s} s.",
  salesByDay: "Sales by day (30 days)",
  cart: "Ticket",
  product: "Product",
  amount: "Amount",
  subtotal: "Subtotal",
  method: "Method",
  reference: "Reference",
  cash: "Cash",
  card: "Card",
  change: "Change",
  session: "Session",
  status: "Status",
  members: "Members",
  role: "Role",
  invitations: "Invitations",
  invite: "Invite",
  tokenOnce: "Hand this token to the invitee (shown this once):",
  apiKeys: "API keys",
  name: "Name",
  keyOnce: "Copy the key now (shown this once):",
  verticals: "Business lines",
  enabled: "Enabled",
  configuration: "Configuration",
  audit: "Audit log",
  action: "Action",
  actor: "Who",
  target: "Target",
  when: "When",
  filterAction: "Filter by action",
  prefix: "Prefix",
  lastUsed: "Last used",
  search: "Search",
  invoices: "Invoices (CFDI)",
  uploadCFDI: "Upload CFDI (XML)",
  uploaded: "CFDI received.",
  reconciliation: "Bank reconciliation",
  unreconciled: "Unreconciled movements",
  runReconcile: "Suggest matches",
  applyMatches: "Apply matches",
  reconcileSummary: "{e} movements examined: {m} matches, {u} to decide, {n} without candidates.",
  bankImport: "Import a bank statement",
  bankAccount: "Bank account",
  noAccounts: "No bank accounts yet.",
  newAccount: "New bank account",
  bank: "Bank",
  last4: "Last 4 digits",
  recentImports: "Recent imports",
  file: "File",
  imported: "Imported",
  duplicates: "Duplicates",
  rejected: "Rejected",
  importStatement: "Import",
  importing: "Importing…",
  statementFile: "Statement file (CSV or OFX)",
  csvLayout: "CSV layout",
  delimiter: "Delimiter",
  tab: "Tab",
  decimalSeparator: "Decimal separator",
  skipRows: "Lines to skip",
  hasHeader: "The first row names the columns",
  columnsHelp: "Columns by their header, or by number (1, 2, …) when the file has no header.",
  colDate: "Date column",
  dateFormat: "Date format",
  colDescription: "Description column",
  colReference: "Reference column",
  debitCredit: "Debits and credits in separate columns",
  colDebit: "Debit column",
  colCredit: "Credit column",
  colAmount: "Amount column (signed)",
  saveLayout: "Save this layout on the account",
  importSummary: "{i} movements imported, {d} duplicates, {r} rejected.",
  rejectedRows: "Rejected rows",
  rowNumber: "Row",
  field: "Field",
  reason: "Reason",
  suggestions: "Suggested matches",
  reconcileMore: "More movements are left: suggest again after applying these.",
  noSuggestions: "No matches to suggest.",
  movement: "Movement",
  pays: "Pays",
  score: "Score",
  accept: "Accept",
  acceptedNote: "suggestion accepted",
  appliedSummary: "{m} matches applied.",
  matched: "Movement reconciled.",
  matchedDiff: "Movement reconciled (difference {d}).",
  undone: "Match undone.",
  matches: "Matches",
  difference: "Difference",
  matchMethod: "How",
  auto: "Automatic",
  manual: "Manual",
  undo: "Undo",
  undoMatch: "Undo the match of {m}",
  undoneAt: "Undone {t}",
  live: "Live",
  manualMatch: "Match by hand",
  choose: "Choose…",
  matchWith: "With open invoices or payments",
  nothingOpen: "No open invoices or payments.",
  invoice: "Invoice",
  payment: "Payment",
  note: "Note",
  reconcile: "Reconcile",
  description: "Description",
  why_ambiguous: "ambiguous",
  why_low_score: "low score",
  why_conflict: "conflicts with another movement",
  why_search_limit: "too many combinations",
  fiscalDocuments: "Fiscal documents",
  filters: "Filters",
  all: "All",
  kind: "Kind",
  from: "From",
  to: "To",
  number: "Series and number",
  authorization: "CAE / UUID",
  detail: "Details",
  noFiscalDocuments: "No fiscal documents with these filters.",
  fs_draft: "Draft",
  fs_pending_global: "In the global CFDI",
  fs_requested: "Requested",
  fs_authorized: "Authorized",
  fs_rejected: "Rejected",
  fs_cancellation_requested: "Cancellation requested",
  fs_cancelled: "Cancelled",
  fk_invoice: "Invoice",
  fk_credit_note: "Credit note",
  fk_payment_receipt: "Payment receipt",
  documentTitle: "{k} {n}",
  caeDue: "due {d}",
  authorizedAt: "Authorized at",
  customerTaxID: "Customer's RFC or CUIT",
  source: "Source",
  authorityMessages: "Authority's messages",
  printable: "Printable receipt",
  close: "Close",
};

const LANG_KEY = "nexus.lang";

/** The language chosen on this device; Spanish unless English was picked. */
export function storedLang(): Lang {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "es";
}

/** Remembers the language on this device. */
export function storeLang(l: Lang) {
  localStorage.setItem(LANG_KEY, l);
}

/** The company's formatting: locale from language and country, its currency and time zone. */
export class Fmt {
  readonly locale: string;
  private readonly money: Intl.NumberFormat;
  private readonly num: Intl.NumberFormat;
  private readonly dt: Intl.DateTimeFormat;
  private readonly day: Intl.DateTimeFormat;
  private readonly iso: Intl.DateTimeFormat;
  private readonly calendarDay: Intl.DateTimeFormat;
  private readonly dateOnly: Intl.DateTimeFormat;
  private readonly offset: Intl.DateTimeFormat;

  constructor(
    readonly lang: Lang,
    country: string,
    readonly currency: string,
    readonly timeZone: string,
  ) {
    this.locale = lang === "en" ? "en-US" : country === "AR" ? "es-AR" : "es-MX";
    this.money = new Intl.NumberFormat(this.locale, { style: "currency", currency });
    this.num = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 6 });
    this.dt = new Intl.DateTimeFormat(this.locale, { dateStyle: "short", timeStyle: "short", timeZone });
    this.day = new Intl.DateTimeFormat(this.locale, { day: "numeric", month: "short", timeZone: "UTC" });
    this.iso = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone });
    this.calendarDay = new Intl.DateTimeFormat(this.locale, { dateStyle: "medium", timeZone: "UTC" });
    this.dateOnly = new Intl.DateTimeFormat(this.locale, { dateStyle: "medium", timeZone });
    this.offset = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
  }

  /** t translates key, filling {name} placeholders from vars. */
  t(key: Key, vars: Record<string, string | number> = {}): string {
    // A key the API named (a status, a reason) that has no text yet shows as itself.
    const text = (this.lang === "en" ? en : es)[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
  }

  /**
   * Money from a decimal string. Intl takes a string for exactness
   * (ECMA-402 decimal strings), so no float ever holds the amount.
   */
  m(amount: string | null | undefined, currency = this.currency): string {
    if (amount === null || amount === undefined || amount === "") return "—";
    const f = currency === this.currency ? this.money : new Intl.NumberFormat(this.locale, { style: "currency", currency });
    return f.format(amount as unknown as number);
  }

  /** A quantity or plain number from a decimal string. */
  n(value: string | null | undefined): string {
    if (value === null || value === undefined || value === "") return "—";
    return this.num.format(value as unknown as number);
  }

  /** A date and time (UTC RFC 3339) in the company's time zone. */
  dateTime(iso: string | null | undefined): string {
    return iso ? this.dt.format(new Date(iso)) : "—";
  }

  /** A calendar day (YYYY-MM-DD), or the day of a timestamp in the company's time zone. */
  date(iso: string | null | undefined): string {
    if (!iso) return "—";
    if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return this.calendarDay.format(new Date(iso + "T12:00:00Z"));
    return this.dateOnly.format(new Date(iso));
  }

  /**
   * The start of a day of the company's calendar (YYYY-MM-DD, offset by
   * days) as RFC 3339 with the zone's offset, for the API's time filters.
   */
  startOfDay(day: string, offsetDays = 0): string {
    const d = shiftDay(day, offsetDays);
    const zone = this.offset.formatToParts(new Date(d + "T12:00:00Z")).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const m = /^GMT([+-]\d{2}:\d{2})$/.exec(zone);
    return d + "T00:00:00" + (m ? m[1] : "Z");
  }

  /** A day of the company's calendar (YYYY-MM-DD) shown short. */
  dayLabel(day: string): string {
    return this.day.format(new Date(day + "T12:00:00Z"));
  }

  /** Today's date in the company's calendar, YYYY-MM-DD, offset by days. */
  today(offsetDays = 0): string {
    const d = this.iso.format(new Date());
    if (offsetDays === 0) return d;
    return shiftDay(d, offsetDays);
  }

  /** A duration in seconds, short. */
  duration(seconds: number): string {
    const rtf = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 0 });
    if (seconds < 90) return rtf.format(seconds) + " s";
    if (seconds < 5400) return rtf.format(seconds / 60) + " min";
    if (seconds < 129600) return rtf.format(seconds / 3600) + " h";
    return rtf.format(seconds / 86400) + " d";
  }
}

/** Adds days to a YYYY-MM-DD date. */
export function shiftDay(day: string, days: number): string {
  const d = new Date(day + "T12:00:00Z");
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Monday of the week of a YYYY-MM-DD date. */
export function weekStart(day: string): string {
  const dow = (new Date(day + "T12:00:00Z").getUTCDay() + 6) % 7;
  return shiftDay(day, -dow);
}
