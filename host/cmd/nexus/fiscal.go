package main

import (
	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/secrets"
)

// newFiscal builds the fiscal documents service: the countries' issuers,
// the companies' credentials in the secrets service and tokens in the
// shared cache.
func (p *platform) newFiscal(secretsSvc *secrets.Service) *fiscal.Service {
	return fiscal.New(fiscal.Config{
		Pool:        p.pool,
		Secrets:     secretsSvc,
		Credentials: secretsSvc,
		Cache:       p.shared.cache,
		Logger:      p.log.Named("fiscal"),
	})
}
