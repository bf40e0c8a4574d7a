package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/host/internal/banking"
)

// openBanking returns the banking service, reconciling bank movements with
// the payments the running verticals declare next to CFDI invoices.
func (p *platform) openBanking(ctx context.Context) (*banking.Service, error) {
	svc := banking.NewService(p.pool, p.log.Named("banking"))
	var sources []banking.PaymentSource
	for _, s := range p.plugins.PaymentSources() {
		sources = append(sources, banking.PaymentSource{Vertical: s.Vertical, Name: s.Name, SQL: s.SQL})
	}
	if err := svc.SetPaymentSources(ctx, sources); err != nil {
		var bad *banking.InvalidPaymentSourcesError
		if !errors.As(err, &bad) {
			return nil, fmt.Errorf("banking: %w", err)
		}
		p.log.Error("some payment sources were left out of bank reconciliation", "error", err)
	}
	return svc, nil
}
