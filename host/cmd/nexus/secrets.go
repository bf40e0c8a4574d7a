package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/host/internal/secrets"
)

// secretsCmd runs `nexus secrets rotate-key`: every secret sealed with a
// previous key (NEXUS_SECRETS_KEY_PREVIOUS) is re-sealed with the current
// one (NEXUS_SECRETS_KEY). Afterwards the previous keys may be dropped
// from the environment. Several hosts may run it at once.
func secretsCmd(ctx context.Context, args []string) error {
	if len(args) != 1 || args[0] != "rotate-key" {
		return errors.New("usage: nexus secrets rotate-key")
	}
	p, err := open(ctx)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	keys, err := p.secretsKeys()
	if err != nil {
		return err
	}
	// Rotation reads no vertical's name: every stored row is re-sealed.
	svc := secrets.NewService(p.pool, keys, func(string) bool { return false })
	n, err := svc.Rotate(ctx)
	if err != nil {
		return fmt.Errorf("re-sealed %d secrets, then: %w", n, err)
	}
	fmt.Printf("re-sealed %d secrets with key %s\n", n, keys.CurrentID())
	return nil
}
