package plugins

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// newRouter builds the chi router serving a vertical's routes with the
// handler handle returns for each. The manifest must have passed
// manifest.Validate. It matches as manifest.Routes does (sdktest's router):
// TestRouterMatchesManifestRoutes holds the two together.
func newRouter(m *nexusv1.Manifest, handle func(*nexusv1.Route) http.Handler) (mux *chi.Mux, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("routes of %q: %v", m.GetName(), p)
		}
	}()
	mux = chi.NewRouter()
	for _, r := range m.GetRoutes() {
		mux.Method(r.GetMethod(), r.GetPattern(), handle(r))
	}
	return mux, nil
}

// newWebhookRouter builds a chi router serving m's webhooks with the
// handler handle returns for each. m must have passed manifest.Validate.
func newWebhookRouter(m *nexusv1.Manifest, handle func(*nexusv1.Webhook) http.Handler) (mux *chi.Mux, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("webhooks of %q: %v", m.GetName(), p)
		}
	}()
	mux = chi.NewRouter()
	for _, w := range m.GetWebhooks() {
		mux.Method(w.GetMethod(), w.GetPattern(), handle(w))
	}
	return mux, nil
}
