package main

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/secrets"
)

// newFiscal builds the fiscal documents service: the countries' issuers,
// the companies' credentials in the secrets service and tokens in the
// shared cache.
func (p *platform) newFiscal(secretsSvc *secrets.Service) *fiscal.Service {
	var mxOpts []mx.Option
	if p.cfg.CFDIPACURL != "" {
		mxOpts = append(mxOpts, mx.WithPACURL(p.cfg.CFDIPACURL))
	}
	return fiscal.New(fiscal.Config{
		Issuers: []fiscal.Issuer{
			mx.New(p.pool, lateInvoices{p}, mxOpts...),
			afip.New(afip.Options{WSAAURL: p.cfg.AFIPWSAAURL, WSFEURL: p.cfg.AFIPWSFEURL}),
		},
		Pool:        p.pool,
		Secrets:     secretsSvc,
		Credentials: secretsSvc,
		Cache:       p.shared.cache,
		Logger:      p.log.Named("fiscal"),
	})
}

// lateInvoices hands the MX issuer's stamped CFDIs to the invoices
// service, which serve makes after the fiscal service (it needs the
// reporting service, opened later). A CFDI stamped before that is not
// lost: the issuer stores it again when it is printed or cancelled.
type lateInvoices struct{ p *platform }

var errInvoicesNotReady = errors.New("the invoices service is not running yet")

func (l lateInvoices) Ingest(ctx context.Context, companyID, actorID uuid.UUID, data []byte) (invoices.IngestResult, error) {
	s := l.p.invoices.Load()
	if s == nil {
		return invoices.IngestResult{}, errInvoicesNotReady
	}
	return s.Ingest(ctx, companyID, actorID, data)
}

func (l lateInvoices) Cancel(ctx context.Context, companyID, actorID, id uuid.UUID, reason string) (invoices.InvoiceDetail, error) {
	s := l.p.invoices.Load()
	if s == nil {
		return invoices.InvoiceDetail{}, errInvoicesNotReady
	}
	return s.Cancel(ctx, companyID, actorID, id, reason)
}
