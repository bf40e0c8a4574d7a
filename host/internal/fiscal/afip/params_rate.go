package afip

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
)

// rate is the exchange rate a receipt is issued with (MonCotiz) and where
// it came from.
type rate struct {
	value decimal.Decimal
	// source is "document" (the vertical's) or "afip"
	// (FEParamGetCotizacion); date is AFIP's quote's.
	source, date string
}

// rateOf is doc's rate: none for pesos (MonCotiz 1), the document's own,
// or else AFIP's for the document's date (its latest for a document of
// today: AFIP quotes the day's rate the next day).
func (is *Issuer) rateOf(ctx context.Context, env *fiscal.Env, cfg config, doc *fiscal.Document) (rate, error) {
	in := doc.Input
	switch {
	case in.Currency == "ARS":
		return rate{}, nil
	case !in.ExchangeRate.IsZero():
		return rate{value: in.ExchangeRate, source: "document"}, nil
	}
	date := ""
	if in.Date < time.Now().In(env.Company.Location).Format(time.DateOnly) {
		date = in.Date
	}
	r, err := is.exchangeRate(ctx, env, cfg, in.Currency, date)
	if err != nil {
		return rate{}, fmt.Errorf("exchange rate of %s: %w", in.Currency, err)
	}
	return rate{value: r.Rate, source: "afip", date: r.Date}, nil
}

// rateOfAttempt is the rate an attempt was sent with (its facts), for a
// receipt whose answer was lost.
func rateOfAttempt(a *fiscal.Attempt) rate {
	if a == nil {
		return rate{}
	}
	s, _ := a.Facts["mon_cotiz"].(string)
	v, err := decimal.NewFromString(s)
	if err != nil {
		return rate{}
	}
	src, _ := a.Facts["mon_cotiz_source"].(string)
	date, _ := a.Facts["mon_cotiz_date"].(string)
	return rate{value: v, source: src, date: date}
}

// facts records r in an attempt's facts.
func (r rate) facts(f map[string]any) {
	if r.source != "" {
		f["mon_cotiz"], f["mon_cotiz_source"], f["mon_cotiz_date"] = r.value.String(), r.source, r.date
	}
}

// details records r in a document's details.
func (r rate) details(d map[string]any) {
	if r.source == "" {
		return
	}
	d["exchange_rate"], d["exchange_rate_source"] = r.value.String(), r.source
	if r.date != "" {
		d["exchange_rate_date"] = r.date
	}
}
