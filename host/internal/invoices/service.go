package invoices

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/store"
)

// Default upload limits.
const (
	// DefaultMaxFileBytes is the largest CFDI file accepted.
	DefaultMaxFileBytes = 2 << 20
	// DefaultMaxBodyBytes is the largest multipart request accepted.
	DefaultMaxBodyBytes = 20 << 20
	// DefaultMaxFiles is the most files one multipart request may carry.
	DefaultMaxFiles = 50
)

// Limits bound uploads. A zero field takes its default.
type Limits struct {
	// MaxFileBytes bounds each CFDI file (and a raw XML body).
	MaxFileBytes int64
	// MaxBodyBytes bounds a whole multipart request.
	MaxBodyBytes int64
	// MaxFiles bounds the number of files in a multipart request.
	MaxFiles int
}

// Option configures a Service.
type Option func(*Service)

// WithLimits sets the upload limits; zero fields keep their defaults.
func WithLimits(l Limits) Option {
	return func(s *Service) {
		if l.MaxFileBytes > 0 {
			s.limits.MaxFileBytes = l.MaxFileBytes
		}
		if l.MaxBodyBytes > 0 {
			s.limits.MaxBodyBytes = l.MaxBodyBytes
		}
		if l.MaxFiles > 0 {
			s.limits.MaxFiles = l.MaxFiles
		}
	}
}

// WithRevenue has the service tell h, in the transaction that stores or
// cancels an invoice, so the revenue rollup moves with the commit.
func WithRevenue(h RevenueHook) Option {
	return func(s *Service) { s.revenue = h }
}

// RevenueHook keeps revenue figures of invoices; the reporting service
// implements it. Each method runs in tx, the tenant transaction of
// companyID that stores or cancels the invoice, and its error rolls that
// back. It decides itself which invoices are revenue.
type RevenueHook interface {
	// InvoiceStored is called for a newly stored invoice.
	InvoiceStored(ctx context.Context, tx pgx.Tx, companyID, invoiceID uuid.UUID) error
	// InvoiceCancelled is called for an invoice that was just cancelled.
	InvoiceCancelled(ctx context.Context, tx pgx.Tx, companyID, invoiceID uuid.UUID) error
}

// Service stores and serves a company's CFDIs.
type Service struct {
	pool    *pgxpool.Pool
	log     hclog.Logger
	limits  Limits
	revenue RevenueHook
}

// NewService returns a Service on pool, the host's pool (its tenant
// transactions switch to nexus_tenant). A nil log discards messages.
func NewService(pool *pgxpool.Pool, log hclog.Logger, opts ...Option) *Service {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	s := &Service{pool: pool, log: log, limits: Limits{
		MaxFileBytes: DefaultMaxFileBytes, MaxBodyBytes: DefaultMaxBodyBytes, MaxFiles: DefaultMaxFiles,
	}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Limits returns the upload limits in force.
func (s *Service) Limits() Limits { return s.limits }

// IngestStatus says what an upload did.
type IngestStatus string

// Upload outcomes.
const (
	// IngestCreated means the invoice was stored.
	IngestCreated IngestStatus = "created"
	// IngestDuplicate means the identical file was already stored; nothing
	// changed.
	IngestDuplicate IngestStatus = "duplicate"
)

// IngestResult is the outcome of Ingest.
type IngestResult struct {
	Status  IngestStatus
	Invoice InvoiceDetail
}

// company is what ingestion needs to know about the caller's company.
type company struct {
	taxID string
	loc   *time.Location
}

// company reads the company's RFC and time zone. nexus_tenant has no grant
// on companies, so this reads through the pool.
func (s *Service) company(ctx context.Context, companyID uuid.UUID) (company, error) {
	var taxID, zone string
	err := s.pool.QueryRow(ctx, selectCompanySQL, companyID).Scan(&taxID, &zone)
	if errors.Is(err, pgx.ErrNoRows) {
		return company{}, errCompanyNotFound()
	}
	if err != nil {
		return company{}, fmt.Errorf("read company: %w", err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return company{}, fmt.Errorf("company time zone %q: %w", zone, err)
	}
	return company{taxID: taxID, loc: loc}, nil
}

// Ingest parses, validates and stores one CFDI for companyID, uploaded by
// actorID. Rejections are *httpx.Error values: 413 file_too_large, 422 with
// the field (see Parse) or rfc_not_company when neither party is the
// company, 409 duplicate_uuid when the UUID is stored with other content.
// Re-uploading byte-identical content is IngestDuplicate and changes
// nothing. A rejected file writes nothing.
func (s *Service) Ingest(ctx context.Context, companyID, actorID uuid.UUID, data []byte) (IngestResult, error) {
	if int64(len(data)) > s.limits.MaxFileBytes {
		return IngestResult{}, errFileTooLarge(s.limits.MaxFileBytes)
	}
	c, err := Parse(data)
	if err != nil {
		return IngestResult{}, rejected(err)
	}
	co, err := s.company(ctx, companyID)
	if err != nil {
		return IngestResult{}, err
	}
	var direction string
	switch co.taxID {
	case c.Emisor.Rfc:
		direction = DirectionIssued
	case c.Receptor.Rfc:
		direction = DirectionReceived
	default:
		return IngestResult{}, errNotCompanyInvoice(c.Emisor.Rfc, c.Receptor.Rfc)
	}
	// The parser checked every date's layout.
	fecha, _ := time.ParseInLocation(cfdiDateTimeLayout, c.Fecha, co.loc)
	timbrado, _ := time.ParseInLocation(cfdiDateTimeLayout, c.Timbre.FechaTimbrado, co.loc)
	warnings := c.Warnings
	if warnings == nil {
		warnings = []Warning{}
	}
	warningsJSON, err := json.Marshal(warnings)
	if err != nil {
		return IngestResult{}, fmt.Errorf("ingest: encode warnings: %w", err)
	}
	sum := sha256.Sum256(data)
	traslados, retenciones := c.TaxTotals()

	var res IngestResult
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, insertInvoiceSQL,
			companyID, c.Timbre.UUID, c.Version, c.Serie, c.Folio, fecha, c.TipoDeComprobante, direction,
			c.Emisor.Rfc, c.Emisor.Nombre, c.Emisor.RegimenFiscal,
			c.Receptor.Rfc, c.Receptor.Nombre, c.Receptor.DomicilioFiscalReceptor, c.Receptor.RegimenFiscalReceptor, c.Receptor.UsoCFDI,
			c.LugarExpedicion, c.Exportacion, c.Moneda, c.TipoCambio,
			c.SubTotal, c.Descuento, traslados.Round(centPlaces), retenciones.Round(centPlaces), c.Total,
			c.FormaPago, c.MetodoPago, timbrado, c.Timbre.RfcProvCertif, c.Timbre.SelloSAT,
			warningsJSON, string(data), sum[:], nullUUID(actorID),
		).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.existing(ctx, tx, companyID, c.Timbre.UUID, sum[:], &res)
		}
		if err != nil {
			return fmt.Errorf("insert invoice: %w", err)
		}
		if err := insertChildren(ctx, tx, companyID, id, c, co.loc); err != nil {
			return err
		}
		if s.revenue != nil {
			if err := s.revenue.InvoiceStored(ctx, tx, companyID, id); err != nil {
				return fmt.Errorf("revenue: %w", err)
			}
		}
		res.Status = IngestCreated
		res.Invoice, err = s.detail(ctx, tx, companyID, id)
		return err
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("ingest %s: %w", c.Timbre.UUID, err)
	}
	if res.Status == IngestCreated {
		s.log.Debug("invoice stored", "company", companyID, "uuid", c.Timbre.UUID, "direction", direction)
	}
	return res, nil
}

// existing handles an upload whose UUID is already stored: the same bytes
// are an idempotent duplicate, anything else a conflict.
func (s *Service) existing(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, id string, sum []byte, res *IngestResult) error {
	var (
		invoiceID uuid.UUID
		stored    []byte
	)
	if err := tx.QueryRow(ctx, selectInvoiceByUUIDSQL, companyID, id).Scan(&invoiceID, &stored); err != nil {
		return fmt.Errorf("read stored invoice: %w", err)
	}
	if !bytes.Equal(stored, sum) {
		return errDuplicateUUID(id, invoiceID.String())
	}
	res.Status = IngestDuplicate
	var err error
	res.Invoice, err = s.detail(ctx, tx, companyID, invoiceID)
	return err
}

// insertChildren stores an invoice's lines, taxes, related CFDIs and
// payments in one round trip.
func insertChildren(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID, c *CFDI, loc *time.Location) error {
	b := &pgx.Batch{}
	taxNo := 0
	addTaxes := func(lineNo *int, kind string, list []Impuesto) {
		for _, t := range list {
			taxNo++
			b.Queue(insertTaxSQL, companyID, id, taxNo, lineNo, kind, t.Impuesto, t.TipoFactor, t.TasaOCuota, t.Base, t.Importe)
		}
	}
	for i, l := range c.Conceptos {
		lineNo := i + 1
		b.Queue(insertLineSQL, companyID, id, lineNo, l.ClaveProdServ, l.NoIdentificacion, l.Cantidad,
			l.ClaveUnidad, l.Unidad, l.Descripcion, l.ValorUnitario, l.Importe, l.Descuento, l.ObjetoImp)
		addTaxes(&lineNo, "traslado", l.Traslados)
		addTaxes(&lineNo, "retencion", l.Retenciones)
	}
	if c.Impuestos != nil {
		addTaxes(nil, "traslado", c.Impuestos.Traslados)
		addTaxes(nil, "retencion", c.Impuestos.Retenciones)
	}
	relNo := 0
	for _, r := range c.Relacionados {
		for _, u := range r.UUIDs {
			relNo++
			b.Queue(insertRelationSQL, companyID, id, relNo, r.TipoRelacion, u)
		}
	}
	if c.Pagos != nil {
		for i, p := range c.Pagos.Pagos {
			fechaPago, _ := time.ParseInLocation(cfdiDateTimeLayout, p.FechaPago, loc)
			b.Queue(insertPaymentSQL, companyID, id, i+1, fechaPago, p.FormaDePagoP, p.MonedaP, p.TipoCambioP, p.Monto, p.NumOperacion)
			for j, d := range p.Documentos {
				var parcialidad *int
				if d.NumParcialidad > 0 {
					parcialidad = &d.NumParcialidad
				}
				b.Queue(insertPaymentDocSQL, companyID, id, i+1, j+1, d.IDDocumento, d.Serie, d.Folio, d.MonedaDR,
					d.EquivalenciaDR, parcialidad, d.ImpSaldoAnt, d.ImpPagado, d.ImpSaldoInsoluto)
			}
		}
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("insert invoice details: %w", err)
	}
	return nil
}

// Get returns one invoice of companyID with its details; an id of another
// company is 404 invoice_not_found.
func (s *Service) Get(ctx context.Context, companyID, id uuid.UUID) (InvoiceDetail, error) {
	var d InvoiceDetail
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		d, err = s.detail(ctx, tx, companyID, id)
		return err
	})
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("get invoice: %w", err)
	}
	return d, nil
}

// location returns the company's time zone.
func (s *Service) location(ctx context.Context, companyID uuid.UUID) (*time.Location, error) {
	co, err := s.company(ctx, companyID)
	if err != nil {
		return nil, err
	}
	return co.loc, nil
}

// RawXML returns an invoice's UUID and the XML exactly as uploaded.
func (s *Service) RawXML(ctx context.Context, companyID, id uuid.UUID) (string, []byte, error) {
	var (
		invoiceUUID uuid.UUID
		raw         string
	)
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, selectRawXMLSQL, companyID, id).Scan(&invoiceUUID, &raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvoiceNotFound()
		}
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("read invoice XML: %w", err)
	}
	return invoiceUUID.String(), []byte(raw), nil
}

// Cancel moves a valid invoice to cancelled and records the transition in
// status_history with actorID and reason. An invoice already cancelled is
// 409 invalid_transition; one that a live bank match pays is 409
// invoice_reconciled.
func (s *Service) Cancel(ctx context.Context, companyID, actorID, id uuid.UUID, reason string) (InvoiceDetail, error) {
	var d InvoiceDetail
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, lockInvoiceSQL, companyID, id).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvoiceNotFound()
		}
		if err != nil {
			return fmt.Errorf("lock invoice: %w", err)
		}
		if status != StatusValid {
			return errInvalidTransition(status, StatusCancelled)
		}
		var matchID uuid.UUID
		err = tx.QueryRow(ctx, liveMatchSQL, companyID, id).Scan(&matchID)
		switch {
		case err == nil:
			return errInvoiceReconciled(matchID.String())
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("look up bank match: %w", err)
		}
		if _, err := tx.Exec(ctx, cancelInvoiceSQL, companyID, id); err != nil {
			return fmt.Errorf("update status: %w", err)
		}
		var note *string
		if reason != "" {
			note = &reason
		}
		if _, err := tx.Exec(ctx, insertHistorySQL, companyID, id, status, StatusCancelled, "cancel", note, nullUUID(actorID)); err != nil {
			return fmt.Errorf("record status history: %w", err)
		}
		if s.revenue != nil {
			if err := s.revenue.InvoiceCancelled(ctx, tx, companyID, id); err != nil {
				return fmt.Errorf("revenue: %w", err)
			}
		}
		d, err = s.detail(ctx, tx, companyID, id)
		return err
	})
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("cancel invoice: %w", err)
	}
	return d, nil
}

// scanInvoice reads invoiceColumns (and whatever extra follows).
func scanInvoice(row pgx.Row, extra ...any) (Invoice, error) {
	var (
		inv                                             Invoice
		invoiceUUID                                     uuid.UUID
		tipoCambio                                      decimal.NullDecimal
		subtotal, descuento, traslados, retenciones, tt decimal.Decimal
		warnings                                        []byte
	)
	dst := []any{
		&inv.ID, &invoiceUUID, &inv.Version, &inv.Serie, &inv.Folio, &inv.Fecha, &inv.Tipo, &inv.Direction,
		&inv.EmisorRFC, &inv.EmisorNombre, &inv.EmisorRegimen,
		&inv.ReceptorRFC, &inv.ReceptorNombre, &inv.ReceptorDomicilio, &inv.ReceptorRegimen, &inv.UsoCFDI,
		&inv.LugarExpedicion, &inv.Exportacion, &inv.Moneda, &tipoCambio,
		&subtotal, &descuento, &traslados, &retenciones, &tt,
		&inv.FormaPago, &inv.MetodoPago, &inv.FechaTimbrado, &inv.RfcProvCertif,
		&inv.Status, &inv.CancelledAt, &warnings, &inv.CreatedAt,
	}
	if err := row.Scan(append(dst, extra...)...); err != nil {
		return Invoice{}, err
	}
	inv.UUID = invoiceUUID.String()
	inv.TipoCambio = formatNullAmount(tipoCambio)
	inv.SubTotal, inv.Descuento, inv.Total = formatAmount(subtotal), formatAmount(descuento), formatAmount(tt)
	inv.TotalTraslados, inv.TotalRetenciones = formatAmount(traslados), formatAmount(retenciones)
	if err := json.Unmarshal(warnings, &inv.Warnings); err != nil {
		return Invoice{}, fmt.Errorf("decode warnings: %w", err)
	}
	if inv.Warnings == nil {
		inv.Warnings = []Warning{}
	}
	return inv, nil
}

// detail reads one invoice with its lines, taxes, relations, payments and
// history.
func (s *Service) detail(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) (InvoiceDetail, error) {
	var d InvoiceDetail
	var err error
	d.Invoice, err = scanInvoice(tx.QueryRow(ctx, selectInvoiceSQL, companyID, id), &d.SelloSAT)
	if errors.Is(err, pgx.ErrNoRows) {
		return InvoiceDetail{}, errInvoiceNotFound()
	}
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("read invoice: %w", err)
	}
	if d.Lines, err = readLines(ctx, tx, companyID, id); err != nil {
		return InvoiceDetail{}, err
	}
	if d.Taxes, err = readTaxes(ctx, tx, companyID, id, d.Lines); err != nil {
		return InvoiceDetail{}, err
	}
	if d.Relations, err = readRelations(ctx, tx, companyID, id); err != nil {
		return InvoiceDetail{}, err
	}
	if d.Payments, err = readPayments(ctx, tx, companyID, id); err != nil {
		return InvoiceDetail{}, err
	}
	if d.History, err = readHistory(ctx, tx, companyID, id); err != nil {
		return InvoiceDetail{}, err
	}
	return d, nil
}

func readLines(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) ([]Line, error) {
	rows, err := tx.Query(ctx, selectLinesSQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read invoice lines: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Line, error) {
		var l Line
		var cantidad, valor, importe, descuento decimal.Decimal
		err := row.Scan(&l.LineNo, &l.ClaveProdServ, &l.NoIdentificacion, &cantidad, &l.ClaveUnidad, &l.Unidad,
			&l.Descripcion, &valor, &importe, &descuento, &l.ObjetoImp)
		l.Cantidad = cantidad.String()
		l.ValorUnitario, l.Importe, l.Descuento = formatAmount(valor), formatAmount(importe), formatAmount(descuento)
		l.Taxes = []Tax{}
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read invoice lines: %w", err)
	}
	return lines, nil
}

// readTaxes returns the document's taxes and attaches each line's taxes to
// lines (ordered by line_no from 1).
func readTaxes(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID, lines []Line) ([]Tax, error) {
	rows, err := tx.Query(ctx, selectTaxesSQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read invoice taxes: %w", err)
	}
	doc := []Tax{}
	var (
		lineNo              *int
		t                   Tax
		tasa, base, importe decimal.NullDecimal
	)
	_, err = pgx.ForEachRow(rows, []any{&lineNo, &t.Kind, &t.Impuesto, &t.TipoFactor, &tasa, &base, &importe}, func() error {
		t.Tasa, t.Base, t.Importe = formatNullRate(tasa), formatNullAmount(base), formatNullAmount(importe)
		if lineNo == nil {
			doc = append(doc, t)
			return nil
		}
		if i := *lineNo - 1; i >= 0 && i < len(lines) {
			lines[i].Taxes = append(lines[i].Taxes, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read invoice taxes: %w", err)
	}
	return doc, nil
}

func readRelations(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) ([]Relation, error) {
	rows, err := tx.Query(ctx, selectRelationsSQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read related CFDIs: %w", err)
	}
	rels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Relation, error) {
		var r Relation
		var u uuid.UUID
		err := row.Scan(&r.TipoRelacion, &u)
		r.UUID = u.String()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read related CFDIs: %w", err)
	}
	if rels == nil {
		rels = []Relation{}
	}
	return rels, nil
}

func readPayments(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) ([]Payment, error) {
	rows, err := tx.Query(ctx, selectPaymentsSQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	payments := []Payment{}
	var (
		no         int
		p          Payment
		tipoCambio decimal.NullDecimal
		monto      decimal.Decimal
	)
	_, err = pgx.ForEachRow(rows, []any{&no, &p.FechaPago, &p.FormaPago, &p.Moneda, &tipoCambio, &monto, &p.NumOperacion}, func() error {
		p.TipoCambio, p.Monto, p.Documents = formatNullAmount(tipoCambio), formatAmount(monto), []PaymentDoc{}
		payments = append(payments, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	if len(payments) == 0 {
		return payments, nil
	}
	rows, err = tx.Query(ctx, selectPaymentDocsSQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read paid documents: %w", err)
	}
	var (
		doc                                PaymentDoc
		docID                              uuid.UUID
		equivalencia, saldoAnt, saldoInsol decimal.NullDecimal
		pagado                             decimal.Decimal
		parcialidad                        *int
	)
	_, err = pgx.ForEachRow(rows, []any{&no, &docID, &doc.Serie, &doc.Folio, &doc.Moneda, &equivalencia, &parcialidad,
		&saldoAnt, &pagado, &saldoInsol}, func() error {
		doc.IDDocumento, doc.NumParcialidad = docID.String(), parcialidad
		doc.Equivalencia, doc.ImpSaldoAnt, doc.ImpSaldoInsoluto = formatNullAmount(equivalencia), formatNullAmount(saldoAnt), formatNullAmount(saldoInsol)
		doc.ImpPagado = formatAmount(pagado)
		if i := no - 1; i >= 0 && i < len(payments) {
			payments[i].Documents = append(payments[i].Documents, doc)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read paid documents: %w", err)
	}
	return payments, nil
}

func readHistory(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) ([]HistoryEntry, error) {
	rows, err := tx.Query(ctx, selectHistorySQL, companyID, id)
	if err != nil {
		return nil, fmt.Errorf("read status history: %w", err)
	}
	h, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (HistoryEntry, error) {
		var e HistoryEntry
		err := row.Scan(&e.From, &e.To, &e.Event, &e.Note, &e.ActorID, &e.At)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read status history: %w", err)
	}
	if h == nil {
		h = []HistoryEntry{}
	}
	return h, nil
}

// nullUUID is id, or nil (SQL NULL) for uuid.Nil, e.g. an actor-less
// system call.
func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
