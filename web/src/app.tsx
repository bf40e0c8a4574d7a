// The signed-in context every screen reads: who, which company, its
// formatting, and navigation.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Fmt, Lang } from "./i18n";
import type { VerticalUI } from "./verticals";

/** A membership as /auth/me lists it. */
export interface Membership {
  id: string;
  name: string;
  role: string;
  active: boolean;
}

/** The answer of GET /auth/me. */
export interface Me {
  user_id: string;
  email: string;
  platform_admin: boolean;
  /** null for a platform admin signed in outside any company. */
  company_id: string | null;
  role: string;
  companies: Membership[];
}

/** A company as GET /companies/{id} answers it. */
export interface Company {
  id: string;
  name: string;
  country: string;
  currency: string;
  timezone: string;
}

/** What every screen of a signed-in user gets. */
export interface Ctx {
  me: Me;
  company: Company;
  /** What the company's verticals contribute for the user's role (GET /api/v1/ui). */
  verticals: VerticalUI[];
  /** Why GET /api/v1/ui failed, if it did (the verticals' pages are then missing). */
  uiError?: unknown;
  fmt: Fmt;
  setLang: (l: Lang) => void;
  navigate: (path: string) => void;
  reload: () => void;
}

export const AppContext = createContext<Ctx | null>(null);

/** The signed-in context. */
export function useApp(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error("useApp outside the signed-in app");
  return c;
}

const ranks: Record<string, number> = { viewer: 1, cashier: 2, manager: 3, admin: 4, owner: 5 };

/** Whether role is at least min (viewer < cashier < manager < admin < owner). */
export function atLeast(role: string, min: string): boolean {
  return (ranks[role] ?? 0) >= (ranks[min] ?? 99);
}
