package services

import (
	"embed"
	"io/fs"

	"github.com/nexuspos/nexus/sdk"
)

// Name is the vertical's name: its routes live under
// /api/v1/verticals/services and its tables in schema services.
const Name = "services"

// Version is the vertical's version.
const Version = "1.0.0"

// Topics of the events the vertical publishes.
const (
	TopicChargeCreated   = "services.charge.created"
	TopicChargeCredited  = "services.charge.credited"
	TopicPaymentReceived = "services.payment.received"
	topicContractPrefix  = "services.contract."
)

// RevenueSource is the universal source of the vertical's charges and the
// transaction type they carry in the revenue report.
const RevenueSource = "services_charge"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Vertical is the professional-services vertical.
type Vertical struct{}

// New returns the vertical, ready for sdk.Serve.
func New() *Vertical { return &Vertical{} }

var _ sdk.CompanyConfigurer = (*Vertical)(nil)

// Manifest implements sdk.Vertical.
func (*Vertical) Manifest() sdk.Manifest {
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return sdk.Manifest{
		Name:             Name,
		Version:          Version,
		Description:      "Professional services: clients, monthly-fee contracts, billing runs with IVA, invoices and credit notes, payments and receivables aging.",
		Routes:           routes(),
		Migrations:       migrations,
		StateMachines:    stateMachines(),
		Queries:          queries,
		UniversalSources: map[string]string{RevenueSource: chargesSourceSQL},
		RevenueEvents: []sdk.RevenueEvent{
			{Topic: TopicChargeCreated, Source: RevenueSource, Key: "charge_id"},
			{Topic: TopicChargeCredited, Source: RevenueSource, Key: "credit_id"},
		},
		Jobs:           []sdk.Job{fiscalJob, receiptJob},
		PaymentSources: map[string]string{PaymentSource: paymentsSourceSQL},
		ConfigSchema:   configSchema,
		UI:             ui(),
	}
}

// chargesSourceSQL maps charges and their credits into the platform's
// universal transactions: each charge is revenue of the day it was
// issued, at its total with IVA, whatever its status (open,
// partially_paid, paid, credited); each credit is a row of its own with
// the negative of its amount on the day it was made and status credit,
// as CPG's returns are, so the sum is the net revenue.
const chargesSourceSQL = `SELECT company_id, 'services_charge'::text AS transaction_type, id AS source_id,
       issued_at AS occurred_at, total AS amount, currency, status
FROM services.charges
UNION ALL
SELECT company_id, 'services_charge'::text, id, created_at, -amount, currency, 'credit'::text
FROM services.credits`

// PaymentSource names the vertical's payments in the host's bank
// reconciliation.
const PaymentSource = "services_payments"

// paymentsSourceSQL lists, for the host's bank reconciliation, the
// payments that reach a bank account: transfers, cards and checks. Cash
// and other means are left out.
const paymentsSourceSQL = `SELECT company_id, 'services_payments'::text AS source, id AS payment_id, paid_at AS occurred_at,
       amount, currency, method, reference, charge_id AS document_id
FROM services.payments
WHERE method IN ('transfer', 'card', 'check')`

// Contract statuses and the events that move them.
const (
	ContractDraft      = "draft"
	ContractActive     = "active"
	ContractSuspended  = "suspended"
	ContractTerminated = "terminated"

	eventActivate  = "activate"
	eventSuspend   = "suspend"
	eventResume    = "resume"
	eventTerminate = "terminate"
)

// Charge statuses and the events that move them.
const (
	ChargeOpen          = "open"
	ChargePartiallyPaid = "partially_paid"
	ChargePaid          = "paid"
	ChargeCredited      = "credited"

	eventPayPartial = "pay_partial"
	eventPay        = "pay"
	eventSettle     = "settle"
	eventCreditAll  = "credit_all"
)

// stateMachines guard the status of contracts and charges.
func stateMachines() []sdk.StateMachine {
	m, c := sdk.RoleManager, sdk.RoleCashier
	return []sdk.StateMachine{
		{Table: "contracts", Column: "status", Initial: ContractDraft, Transitions: []sdk.Transition{
			{From: ContractDraft, Event: eventActivate, To: ContractActive, MinRole: m},
			{From: ContractActive, Event: eventSuspend, To: ContractSuspended, MinRole: m},
			{From: ContractSuspended, Event: eventResume, To: ContractActive, MinRole: m},
			{From: ContractDraft, Event: eventTerminate, To: ContractTerminated, MinRole: m},
			{From: ContractActive, Event: eventTerminate, To: ContractTerminated, MinRole: m},
			{From: ContractSuspended, Event: eventTerminate, To: ContractTerminated, MinRole: m},
		}},
		{Table: "charges", Column: "status", Initial: ChargeOpen, Transitions: []sdk.Transition{
			{From: ChargeOpen, Event: eventPayPartial, To: ChargePartiallyPaid, MinRole: c},
			{From: ChargePartiallyPaid, Event: eventPayPartial, To: ChargePartiallyPaid, MinRole: c},
			{From: ChargeOpen, Event: eventPay, To: ChargePaid, MinRole: c},
			{From: ChargePartiallyPaid, Event: eventPay, To: ChargePaid, MinRole: c},
			// A credit that leaves nothing owed: paid when payments cover
			// the rest, credited when credits cover the whole charge.
			{From: ChargeOpen, Event: eventSettle, To: ChargePaid, MinRole: m},
			{From: ChargePartiallyPaid, Event: eventSettle, To: ChargePaid, MinRole: m},
			{From: ChargeOpen, Event: eventCreditAll, To: ChargeCredited, MinRole: m},
			{From: ChargePartiallyPaid, Event: eventCreditAll, To: ChargeCredited, MinRole: m},
			{From: ChargePaid, Event: eventCreditAll, To: ChargeCredited, MinRole: m},
		}},
	}
}
