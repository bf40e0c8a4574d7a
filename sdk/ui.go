package sdk

import "io/fs"

// UI is a vertical's contribution to the browser app: its pages and
// dashboard cards, which the app loads from the vertical's own bundle, so
// a vertical's screens need no change to the app.
//
// Assets holds the bundle's static files, typically an embed.FS sub-tree
// (fs.Sub(dist, "dist")). Its root must hold index.js, an ES module that
// exports
//
//	export const pages: Record<string, (el: HTMLElement, ctx: VerticalContext) => (() => void) | void>;
//	export const widgets: Record<string, (el: HTMLElement, ctx: VerticalContext) => (() => void) | void>;
//
// (VerticalContext is declared in web/src/vertical.d.ts: the signed-in
// API client, the company, the user, the language, formatters, navigation).
// Each function renders into el and may return a cleanup, called when the
// app leaves the page. The host serves the files at /ui/v/<name>/<path>
// and lists Menu and Widgets to callers of GET /api/v1/ui whose role may
// see them, for the companies that enabled the vertical. Files and
// directories whose names start with "." are left out. The host leaves
// out a UI that breaks its rules (manifest.UIProblems: at most 2 MiB and
// 200 files, index.js present, known file types, keys, sections, roles,
// labels in Spanish and English) and lists the vertical as degraded.
type UI struct {
	Assets  fs.FS
	Menu    []MenuEntry
	Widgets []Widget
}

// MenuEntry is one entry of the app's menu, opening the bundle's page
// Page at /v/<vertical>/<Page>.
type MenuEntry struct {
	// Page is the key of the page in the bundle's pages export (lower-case
	// letters, digits and '-'; it is a path segment).
	Page string
	// Label is the entry's text per language: "es" and "en" are required.
	Label Labels
	// Section groups the entry in the menu: "operate", "catalog",
	// "inventory", "purchasing", "billing", "reports" or "admin".
	Section string
	// MinRole is the least company role that sees the entry. The routes
	// the page calls check their own roles whatever the menu shows.
	MinRole Role
}

// Widget is a card of the app's dashboard: the bundle's widgets[Key].
type Widget struct {
	// Key is the card's key in the bundle's widgets export (lower-case
	// letters, digits and '-').
	Key string
	// Title is the card's heading per language ("es" and "en" required).
	Title   Labels
	MinRole Role
}

// Labels is a text per language, by two-letter code: {"es": ..., "en": ...}.
type Labels map[string]string
