package invoices

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/taxid"
)

// centPlaces is the precision totals are compared and stored at.
const centPlaces = 2

// validate checks a parsed document's RFCs and totals, normalizes the RFCs
// and records warnings.
func (c *CFDI) validate() error {
	if err := c.validateRFCs(); err != nil {
		return err
	}
	if c.TipoDeComprobante == TipoPago {
		return c.validatePago()
	}
	if c.Descuento.GreaterThan(c.SubTotal) {
		return fieldError(CodeInvalidField, "Comprobante.Descuento", "Descuento %s is greater than SubTotal %s", c.Descuento, c.SubTotal)
	}
	traslados, retenciones := c.TaxTotals()
	expected := c.SubTotal.Sub(c.Descuento).Add(traslados).Sub(retenciones)
	if c.ImpuestosLocales != nil {
		expected = expected.Add(c.ImpuestosLocales.TotaldeTraslados).Sub(c.ImpuestosLocales.TotaldeRetenciones)
	}
	if !expected.Round(centPlaces).Equal(c.Total.Round(centPlaces)) {
		return &FieldError{Code: CodeTotalMismatch, Field: "Comprobante.Total",
			Message: fmt.Sprintf("Total %s is not SubTotal − Descuento + traslados − retenciones = %s",
				c.Total.StringFixed(centPlaces), expected.StringFixed(centPlaces)),
			Details: map[string]any{
				"total": c.Total.StringFixed(centPlaces), "expected": expected.StringFixed(centPlaces),
				"subtotal": c.SubTotal.StringFixed(centPlaces), "descuento": c.Descuento.StringFixed(centPlaces),
				"traslados": traslados.StringFixed(centPlaces), "retenciones": retenciones.StringFixed(centPlaces),
			}}
	}
	c.warnSums()
	return nil
}

// validatePago checks a tipo P document: zero totals and a Pagos complement.
func (c *CFDI) validatePago() error {
	if !c.SubTotal.IsZero() {
		return fieldError(CodeTotalMismatch, "Comprobante.SubTotal", "must be 0 for a tipo P (pago) CFDI, got %s", c.SubTotal)
	}
	if !c.Total.IsZero() {
		return fieldError(CodeTotalMismatch, "Comprobante.Total", "must be 0 for a tipo P (pago) CFDI, got %s", c.Total)
	}
	if c.Pagos == nil || len(c.Pagos.Pagos) == 0 {
		return fieldError(CodeMissingField, "Comprobante.Complemento.Pagos", "a tipo P CFDI needs the Pagos complement with at least one Pago")
	}
	for i, pg := range c.Pagos.Pagos {
		if len(pg.Documentos) == 0 {
			return fieldError(CodeMissingField, fmt.Sprintf("Comprobante.Complemento.Pagos.Pago[%d].DoctoRelacionado", i+1),
				"every Pago needs at least one DoctoRelacionado")
		}
	}
	return nil
}

// validateRFCs checks and normalizes the issuer's and recipient's RFCs.
func (c *CFDI) validateRFCs() error {
	for _, r := range []struct {
		field string
		rfc   *string
	}{
		{"Comprobante.Emisor.Rfc", &c.Emisor.Rfc},
		{"Comprobante.Receptor.Rfc", &c.Receptor.Rfc},
	} {
		if *r.rfc == "" {
			return fieldError(CodeMissingField, r.field, "is required")
		}
		res, err := taxid.ValidateRFC(*r.rfc)
		if err != nil {
			fe := &FieldError{Code: CodeInvalidRFC, Field: r.field, Message: "the RFC is malformed: " + err.Error(),
				Details: map[string]any{"rfc": truncate(*r.rfc, 20)}}
			var te *taxid.Error
			if errors.As(err, &te) {
				fe.Message = "the RFC is malformed: " + te.Detail
				fe.Details["reason"] = te.Err.Error()
			}
			return fe
		}
		*r.rfc = res.Normalized
		for _, w := range res.Warnings {
			c.Warnings = append(c.Warnings, Warning{Field: r.field, Message: w})
		}
	}
	return nil
}

// TaxTotals returns the document's transferred and withheld taxes: the
// Impuestos totals when given, otherwise the sums of the document-level
// Traslado and Retencion amounts.
func (c *CFDI) TaxTotals() (traslados, retenciones decimal.Decimal) {
	if c.Impuestos == nil {
		return decimal.Zero, decimal.Zero
	}
	traslados = sumImporte(c.Impuestos.Traslados)
	if c.Impuestos.TotalImpuestosTrasladados.Valid {
		traslados = c.Impuestos.TotalImpuestosTrasladados.Decimal
	}
	retenciones = sumImporte(c.Impuestos.Retenciones)
	if c.Impuestos.TotalImpuestosRetenidos.Valid {
		retenciones = c.Impuestos.TotalImpuestosRetenidos.Decimal
	}
	return traslados, retenciones
}

// warnSums records sums that should agree but that the SAT rounds in ways
// this package does not reproduce exactly.
func (c *CFDI) warnSums() {
	if len(c.Conceptos) == 0 {
		return
	}
	var importes, descuentos decimal.Decimal
	for _, l := range c.Conceptos {
		importes = importes.Add(l.Importe)
		descuentos = descuentos.Add(l.Descuento)
	}
	if !importes.Round(centPlaces).Equal(c.SubTotal) {
		c.Warnings = append(c.Warnings, Warning{Field: "Comprobante.SubTotal",
			Message: fmt.Sprintf("differs from the sum of the Conceptos' Importe (%s)", importes.StringFixed(centPlaces))})
	}
	if !descuentos.Round(centPlaces).Equal(c.Descuento) {
		c.Warnings = append(c.Warnings, Warning{Field: "Comprobante.Descuento",
			Message: fmt.Sprintf("differs from the sum of the Conceptos' Descuento (%s)", descuentos.StringFixed(centPlaces))})
	}
	if c.Impuestos != nil && c.Impuestos.TotalImpuestosTrasladados.Valid {
		if sum := sumImporte(c.Impuestos.Traslados); !sum.Round(centPlaces).Equal(c.Impuestos.TotalImpuestosTrasladados.Decimal.Round(centPlaces)) {
			c.Warnings = append(c.Warnings, Warning{Field: "Comprobante.Impuestos.TotalImpuestosTrasladados",
				Message: fmt.Sprintf("differs from the sum of the Traslados (%s)", sum.StringFixed(centPlaces))})
		}
	}
}

func sumImporte(list []Impuesto) decimal.Decimal {
	sum := decimal.Zero
	for _, t := range list {
		if t.Importe.Valid {
			sum = sum.Add(t.Importe.Decimal)
		}
	}
	return sum
}
