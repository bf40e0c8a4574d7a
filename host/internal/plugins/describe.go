package plugins

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/go-plugin"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Describe launches the plugin of vertical name from cfg.Dir (checked
// against cfg.LockFile when one is set), reads its validated manifest and
// stops it. Nothing else happens — no migration runs, no route or
// subscription is set up, no Init — so `nexus migrate` can read a
// vertical's migrations to revert them.
func Describe(ctx context.Context, cfg Config, name string) (*nexusv1.Manifest, error) {
	m := New(cfg)
	lock, err := LoadLock(m.cfg.LockFile)
	if err != nil {
		return nil, err
	}
	m.lock = lock
	bins, err := Discover(m.cfg.Dir)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(bins, func(b Binary) bool { return b.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("no plugin %s%s in %s", BinaryPrefix, name, m.cfg.Dir)
	}
	v := &vertical{name: name, path: bins[i].Path}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	ccfg, err := m.clientConfig(v)
	if err != nil {
		return nil, err
	}
	client := plugin.NewClient(ccfg)
	defer client.Kill()
	_, _, man, err := m.describe(ctx, v, client)
	if err != nil {
		return nil, fmt.Errorf("vertical %s: %w", name, err)
	}
	return man, nil
}
