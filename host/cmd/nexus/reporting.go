package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/reporting"
	"github.com/nexuspos/nexus/internal/dal"
)

// openReporting builds the universal transactions views from the running
// verticals' sources, starts the event-driven refreshes (the scheduled one
// is a host job, hostJobs), subscribes the revenue rollup to the event
// topics the verticals declare as revenue events and queues a refresh for
// each event of a topic they declare as flagging a large transaction. The invoices service keeps the rollup of issued
// invoices itself (InvoicesType).
func (p *platform) openReporting(ctx context.Context) error {
	var (
		rules  []reporting.RollupRule
		topics []string
	)
	for _, r := range p.plugins.RevenueEvents() {
		rules = append(rules, reporting.RollupRule{Topic: r.Topic, Source: r.Source, Type: r.Type, Key: r.Key, Remove: r.Remove})
		topics = append(topics, r.Topic)
	}
	cfg := reporting.Config{Pool: p.pool, Log: p.log.Named("reporting"), Interval: p.cfg.MVRefreshInterval,
		SLA: p.cfg.MVSLA, Limiter: p.metrics.Limiter(p.shared.limiter, "refresh"), RollupTypes: []string{reporting.InvoicesType},
		Rules: rules, Observe: p.metrics.Refreshed()}
	if lk, err := p.shared.locks.For(cache.Scope{Vertical: cache.HostVertical}); err == nil {
		cfg.Locker = lk
	}
	rep, err := reporting.New(cfg)
	if err != nil {
		return err
	}
	var sources []reporting.Source
	for _, s := range p.plugins.UniversalSources() {
		sources = append(sources, reporting.Source{Name: s.Name, SQL: s.SQL})
	}
	if err := rep.SetSources(ctx, sources); err != nil {
		var bad *reporting.InvalidSourcesError
		if !errors.As(err, &bad) {
			return fmt.Errorf("reporting: %w", err)
		}
		p.log.Error("some universal sources were left out of the reporting views", "error", err)
	}
	go p.watchSourceProblems(ctx, rep)
	go func() {
		if err := rep.Run(ctx); err != nil {
			p.log.Error("reporting refresher stopped", "error", err)
		}
	}()
	p.reporting = rep
	p.metrics.WatchReporting(rep.Health)
	if len(rules) > 0 {
		err = p.events.Register(ctx, events.Subscription{
			// Every transaction of a company lands on one rollup row a day:
			// a batch handler locks it once per batch.
			Vertical: events.HostVertical, Name: "revenue_rollup", Pattern: reporting.Pattern(topics...), Concurrency: 2,
			Batch: func(ctx context.Context, u *dal.Unit, evs []events.Event) error {
				facts := make([]reporting.Event, len(evs))
				for i, ev := range evs {
					facts[i] = reporting.Event{Topic: ev.Topic, Payload: ev.Payload}
				}
				return u.Run(ctx, func(tx pgx.Tx) error {
					return rep.ApplyEvents(ctx, tx, evs[0].CompanyID, facts)
				})
			},
		})
		if err != nil {
			return err
		}
	}
	large := p.plugins.LargeTransactionTopics()
	if len(large) == 0 {
		return nil
	}
	return p.events.Register(ctx, events.Subscription{
		// The vertical checked the company's threshold before publishing.
		Vertical: events.HostVertical, Name: "large_transactions", Pattern: reporting.Pattern(large...),
		Handler: func(ctx context.Context, _ *dal.Unit, ev events.Event, _ int) error {
			if !slices.Contains(large, ev.Topic) {
				return nil
			}
			return rep.RequestRefresh(ctx, ev.Topic)
		},
	})
}

// watchSourceProblems degrades each vertical whose universal sources the
// reporting views leave out (refused, or failing on their data at a
// build on any replica) with the reasons, and restores it once they are
// back: now, then every plugin health interval until ctx ends.
func (p *platform) watchSourceProblems(ctx context.Context, rep *reporting.Service) {
	tick := time.NewTicker(p.cfg.HealthInterval)
	defer tick.Stop()
	for {
		problems, err := rep.SourceProblems(ctx)
		if err != nil {
			p.log.Warn("read the universal sources left out of the reporting views", "error", err)
		} else {
			byVertical := map[string]map[string]string{}
			for _, s := range p.plugins.UniversalSources() {
				if byVertical[s.Vertical] == nil {
					byVertical[s.Vertical] = map[string]string{}
				}
				if why, ok := problems[s.Name]; ok {
					byVertical[s.Vertical]["universal source "+s.Name] = why
				}
			}
			for name, found := range byVertical {
				p.plugins.Degrade(name, plugins.CheckUniversalSources, found)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
