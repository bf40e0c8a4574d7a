package services

import (
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// routes are the vertical's HTTP endpoints, mounted by the host under
// /api/v1/verticals/services.
func routes() []sdk.Route {
	v, c, m := sdk.RoleViewer, sdk.RoleCashier, sdk.RoleManager
	return []sdk.Route{
		sdk.POST("/clients", m, "Create a client (RFC or CUIT; a mismatching RFC check digit is a warning)", createClient).
			Takes(clientInput{}).Returns(clientView{}),
		sdk.GET("/clients", v, "List clients by name", listClients).Returns(sdk.Page[clientView]{}),
		sdk.GET("/clients/{id}", v, "Get a client", getClient).Returns(clientView{}),
		sdk.PATCH("/clients/{id}", m, "Change a client's name, email or fiscal profile; its invoices refused for their data are retried", updateClient).
			Takes(clientUpdate{}).Returns(clientView{}),

		sdk.POST("/contracts", m, "Create a draft contract with a monthly fee", createContract).
			Takes(contractInput{}).Returns(contractRow{}),
		sdk.GET("/contracts", v, "List contracts", listContracts).Returns(sdk.Page[contractRow]{}),
		sdk.GET("/contracts/{id}", v, "Get a contract", getContract).Returns(contractRow{}),
		sdk.POST("/contracts/{id}/activate", m, "Activate a draft contract", contractTransition(eventActivate)).
			Takes(transitionInput{}).Returns(contractRow{}),
		sdk.POST("/contracts/{id}/suspend", m, "Suspend an active contract", contractTransition(eventSuspend)).
			Takes(transitionInput{}).Returns(contractRow{}),
		sdk.POST("/contracts/{id}/resume", m, "Resume a suspended contract", contractTransition(eventResume)).
			Takes(transitionInput{}).Returns(contractRow{}),
		sdk.POST("/contracts/{id}/terminate", m, "Terminate a contract", contractTransition(eventTerminate)).
			Takes(transitionInput{}).Returns(contractRow{}),

		sdk.POST("/billing-runs", m, "Charge every active contract for a period, once", createBillingRun).
			Takes(billingRunInput{}).Returns(billingRunRow{}),
		sdk.GET("/billing-runs", v, "List billing runs", listBillingRuns).Returns(sdk.Page[billingRunRow]{}),
		sdk.GET("/billing-runs/{id}", v, "Get a billing run", getBillingRun).Returns(billingRunRow{}),

		sdk.GET("/charges", v, "List charges", listCharges).Returns(sdk.Page[chargeView]{}),
		sdk.GET("/charges/{id}", v, "Get a charge with its balance", getCharge).Returns(chargeView{}),
		sdk.POST("/charges/{id}/invoice", c, "Issue the charge's fiscal document through the host (AFIP receipt, CFDI); optional {\"customer\"}", invoiceCharge).
			Takes(chargeInvoiceBody{}).Returns(fiscal.Document{}),
		sdk.GET("/charges/{id}/invoice", v, "The charge's fiscal document", getChargeInvoice).Returns(fiscal.Document{}),
		sdk.POST("/charges/{id}/credits", m, "Credit part or all of a charge (IVA included); its credit note when the charge is invoiced", createCredit).
			Takes(creditInput{}).Returns(creditView{}),
		sdk.GET("/charges/{id}/credits", v, "List a charge's credits", listCredits).Returns(sdk.Page[creditRow]{}),
		sdk.GET("/credits/{id}/credit-note", v, "A credit's credit note", creditNote).Returns(fiscal.Document{}),
		sdk.POST("/charges/{id}/payments", c, "Record a payment against a charge", createPayment).
			Takes(paymentInput{}).Returns(paymentView{}),
		sdk.GET("/charges/{id}/payments", v, "List a charge's payments", listPayments).Returns(sdk.Page[paymentRow]{}),
		sdk.GET("/payments/{id}/receipt", v, "The payment's receipt (Mexico: CFDI of type P) with its installment and balances", getPaymentReceipt).
			Returns(fiscal.Document{}),
		sdk.POST("/payments/{id}/receipt", c, "Issue the payment's receipt now, or answer it as it was", issuePaymentReceipt).
			Takes(receiptBody{}).Returns(fiscal.Document{}),

		sdk.GET("/reports/aging", v, "Receivables aging as of a date, in the company's time zone", agingReportHandler).
			Returns(agingReport{}),
	}
}
