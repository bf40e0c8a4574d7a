package cpg

import (
	"embed"
	"io/fs"
	"maps"

	"github.com/nexuspos/nexus/sdk"
)

// Name is the vertical's name: its routes live under /api/v1/verticals/cpg
// and its tables in schema cpg.
const Name = "cpg"

// Version is the vertical's version.
const Version = "1.0.0"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Vertical is the CPG retail vertical.
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
		Name:                   Name,
		Version:                Version,
		Description:            "CPG retail: catalog with variants, inventory ledger, point of sale, consignment, purchases and retail reports.",
		Routes:                 routes(),
		Migrations:             migrations,
		StateMachines:          stateMachines(),
		Queries:                withQueries(queries, fiscalQueries),
		UniversalSources:       universalSources,
		RevenueEvents:          revenueEvents,
		LargeTransactionTopics: []string{TopicConsignmentLarge},
		PaymentSources:         paymentSources,
		Subscriptions:          []sdk.Subscription{paymentSubscription, refundSubscription},
		Jobs:                   []sdk.Job{fiscalJob, refundJob},
		ConfigSchema:           configSchema,
		UI:                     ui(),
	}
}

// withQueries is the union of the vertical's sets of named queries.
func withQueries(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, set := range sets {
		maps.Copy(out, set)
	}
	return out
}

// revenueEvents move the host's revenue report within a second of a sale,
// a void, a return or a consignee's sales report: each names its row of
// cpg_pos or cpg_consignment.
var revenueEvents = []sdk.RevenueEvent{
	{Topic: TopicSaleCreated, Source: "cpg_pos", Key: "sale_id"},
	{Topic: TopicSaleVoided, Source: "cpg_pos", Key: "sale_id", Remove: true},
	{Topic: TopicSaleReturned, Source: "cpg_pos", Key: "return_id"},
	{Topic: TopicConsignmentSold, Source: "cpg_consignment", Key: "report_id"},
}

// stateMachines guard the status of sales, cash sessions, consignments and
// purchase orders.
func stateMachines() []sdk.StateMachine {
	m, c := sdk.RoleManager, sdk.RoleCashier
	return []sdk.StateMachine{
		// A sale charged through Mercado Pago is written completed (the
		// state of every other checkout, which so takes no transition) and
		// moved at once to pending_payment in the same unit of work; its
		// payment then completes or voids it.
		{Table: "sales", Column: "status", Initial: SaleCompleted, Transitions: []sdk.Transition{
			{From: SaleCompleted, Event: eventAwaitPayment, To: SalePendingPayment, MinRole: c},
			{From: SalePendingPayment, Event: eventPaymentOK, To: SaleCompleted, MinRole: c},
			{From: SalePendingPayment, Event: eventPaymentFailed, To: SaleVoided, MinRole: c},
			{From: SaleCompleted, Event: eventVoid, To: SaleVoided, MinRole: m},
			{From: SaleCompleted, Event: eventReturn, To: SalePartiallyReturned, MinRole: c},
			{From: SaleCompleted, Event: eventReturnAll, To: SaleReturned, MinRole: c},
			{From: SalePartiallyReturned, Event: eventReturn, To: SalePartiallyReturned, MinRole: c},
			{From: SalePartiallyReturned, Event: eventReturnAll, To: SaleReturned, MinRole: c},
		}},
		{Table: "cash_sessions", Column: "status", Initial: SessionOpen, Transitions: []sdk.Transition{
			{From: SessionOpen, Event: eventClose, To: SessionClosed, MinRole: c},
			{From: SessionOpen, Event: eventCloseOverLimit, To: SessionClosed, MinRole: m},
		}},
		{Table: "consignments", Column: "status", Initial: ConsignmentDraft, Transitions: []sdk.Transition{
			{From: ConsignmentDraft, Event: eventSend, To: ConsignmentSent, MinRole: m},
			{From: ConsignmentDraft, Event: eventCancel, To: ConsignmentCancelled, MinRole: m},
			{From: ConsignmentSent, Event: eventCancel, To: ConsignmentCancelled, MinRole: m},
			{From: ConsignmentSent, Event: eventSettlePartial, To: ConsignmentPartiallySettled, MinRole: c},
			{From: ConsignmentSent, Event: eventSettle, To: ConsignmentSettled, MinRole: c},
			{From: ConsignmentPartiallySettled, Event: eventSettlePartial, To: ConsignmentPartiallySettled, MinRole: c},
			{From: ConsignmentPartiallySettled, Event: eventSettle, To: ConsignmentSettled, MinRole: c},
		}},
		{Table: "purchase_orders", Column: "status", Initial: PODraft, Transitions: []sdk.Transition{
			{From: PODraft, Event: eventOrder, To: POOrdered, MinRole: m},
			{From: PODraft, Event: eventCancel, To: POCancelled, MinRole: m},
			{From: POOrdered, Event: eventCancel, To: POCancelled, MinRole: m},
			{From: POOrdered, Event: eventReceive, To: POPartiallyReceived, MinRole: m},
			{From: POOrdered, Event: eventReceiveAll, To: POReceived, MinRole: m},
			{From: POPartiallyReceived, Event: eventReceive, To: POPartiallyReceived, MinRole: m},
			{From: POPartiallyReceived, Event: eventReceiveAll, To: POReceived, MinRole: m},
		}},
	}
}

// configSchema documents the company configuration (JSON Schema). Its
// example, which a demo company gets, suits a grocery store: variants take
// any presentation ("600 ml", "1 kg") instead of clothing sizes and colors.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "examples": [{"sizes": [], "colors": []}],
  "properties": {
    "sizes": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40}, "maxItems": 100,
              "description": "sizes variants may take; [] allows any (default XS..XXL, Unitalla)"},
    "colors": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40}, "maxItems": 100,
               "description": "colors variants may take; [] allows any"},
    "default_tax_rate": {"type": "string", "description": "tax rate code of products that name none (default iva16 in MX, iva21 in AR)"},
    "prices_include_tax": {"type": "boolean", "default": true},
    "big_transaction_threshold": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "default": "10000"},
    "allow_negative_stock": {"type": "boolean", "default": false},
    "cash_difference_limit": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "default": "50",
                              "description": "largest difference per payment method a cashier may close a session with"}
  }
}`
