package sdk

import (
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInstances(t *testing.T) {
	t.Parallel()
	var builds atomic.Int32
	in := NewInstances(func(co Company, config json.RawMessage) (string, error) {
		builds.Add(1)
		if string(config) == `{"bad":true}` {
			return "", errors.New("bad configuration")
		}
		return co.ID + " " + co.Currency + " " + string(config), nil
	})
	mx := Company{ID: "a", Country: "MX", Currency: "MXN"}
	ctx := func(co Company, config string) *Context {
		return &Context{company: co, config: json.RawMessage(config)}
	}

	v, err := in.Get(ctx(mx, `{"x":1}`))
	require.NoError(t, err)
	require.Equal(t, `a MXN {"x":1}`, v)
	_, err = in.Get(ctx(mx, `{"x":1}`))
	require.NoError(t, err)
	require.EqualValues(t, 1, builds.Load(), "the same company and configuration reuse the instance")

	v, err = in.Get(ctx(mx, `{"x":2}`))
	require.NoError(t, err)
	require.Equal(t, `a MXN {"x":2}`, v, "a reconfigured company gets a new instance")
	require.EqualValues(t, 2, builds.Load())

	usd := mx
	usd.Currency = "USD"
	v, err = in.Get(ctx(usd, `{"x":2}`))
	require.NoError(t, err)
	require.Equal(t, `a USD {"x":2}`, v, "a change of the company's currency rebuilds it")

	v, err = in.Get(ctx(Company{ID: "b", Currency: "ARS"}, `{"x":2}`))
	require.NoError(t, err)
	require.Equal(t, `b ARS {"x":2}`, v, "each company has its own instance")
	require.EqualValues(t, 4, builds.Load())

	_, err = in.Get(ctx(mx, `{"bad":true}`))
	require.EqualError(t, err, "bad configuration")
	_, err = in.Get(ctx(mx, `{"bad":true}`))
	require.Error(t, err)
	require.EqualValues(t, 6, builds.Load(), "a failed build is not kept")

	noID := &Context{principal: Principal{CompanyID: "c"}, config: json.RawMessage(`{}`)}
	v, err = in.Get(noID)
	require.NoError(t, err)
	require.Equal(t, "c  {}", v, "without a company the principal's company id keys the instance")
}

func TestInstancesConcurrent(t *testing.T) {
	t.Parallel()
	in := NewInstances(func(co Company, config json.RawMessage) (Company, error) { return co, nil })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				co := Company{ID: string(rune('a' + i%3)), Currency: []string{"MXN", "ARS"}[j%2]}
				got, err := in.Get(&Context{company: co, config: json.RawMessage(`{}`)})
				if err != nil || got != co {
					t.Errorf("Get(%v) = %v, %v", co, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
