package services

import "github.com/nexuspos/nexus/sdk"

// routes are the vertical's HTTP endpoints, mounted by the host under
// /api/v1/verticals/services.
func routes() []sdk.Route {
	v, c, m := sdk.RoleViewer, sdk.RoleCashier, sdk.RoleManager
	return []sdk.Route{
		sdk.POST("/clients", m, "Create a client (RFC or CUIT; a mismatching RFC check digit is a warning)", createClient),
		sdk.GET("/clients", v, "List clients by name", listClients),
		sdk.GET("/clients/{id}", v, "Get a client", getClient),

		sdk.POST("/contracts", m, "Create a draft contract with a monthly fee", createContract),
		sdk.GET("/contracts", v, "List contracts", listContracts),
		sdk.GET("/contracts/{id}", v, "Get a contract", getContract),
		sdk.POST("/contracts/{id}/activate", m, "Activate a draft contract", contractTransition(eventActivate)),
		sdk.POST("/contracts/{id}/suspend", m, "Suspend an active contract", contractTransition(eventSuspend)),
		sdk.POST("/contracts/{id}/resume", m, "Resume a suspended contract", contractTransition(eventResume)),
		sdk.POST("/contracts/{id}/terminate", m, "Terminate a contract", contractTransition(eventTerminate)),

		sdk.POST("/billing-runs", m, "Charge every active contract for a period, once", createBillingRun),
		sdk.GET("/billing-runs", v, "List billing runs", listBillingRuns),
		sdk.GET("/billing-runs/{id}", v, "Get a billing run", getBillingRun),

		sdk.GET("/charges", v, "List charges", listCharges),
		sdk.GET("/charges/{id}", v, "Get a charge with its balance", getCharge),
		sdk.POST("/charges/{id}/payments", c, "Record a payment against a charge", createPayment),
		sdk.GET("/charges/{id}/payments", v, "List a charge's payments", listPayments),

		sdk.GET("/reports/aging", v, "Receivables aging as of a date, in the company's time zone", agingReportHandler),
	}
}
