# Nexus — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
PLUGIN_DIR := $(BIN)/plugins
TOOLS := $(CURDIR)/.tools
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.0
STATICCHECK_VERSION := v0.8.2
GITLEAKS_VERSION := v8.28.0
HELM_VERSION := v3.21.4
KUBECONFORM_VERSION := v0.7.0
# The Kubernetes release whose API schemas the Helm chart's manifests are
# validated against (deploy/helm).
KUBERNETES_API_VERSION := v1.36.3
PROTOC_VERSION := 3.21.12
PLUGINS := $(patsubst plugins/%/main.go,%,$(wildcard plugins/*/main.go)) \
           $(patsubst plugins/%/cmd/nexus-vertical-%/main.go,%,$(wildcard plugins/*/cmd/*/main.go))
EXAMPLES := $(patsubst examples/%/main.go,%,$(wildcard examples/*/main.go))
# Every module of go.work (core, sdk, host, each plugin and example), as
# package patterns: `./...` at the root covers the core module only.
MODULES = $(shell $(GO) list -m -f '{{.Path}}/...')
# The directory of every module of go.work.
MODULE_DIRS = $(shell $(GO) list -m -f '{{.Dir}}')
# Binaries are static (no cgo): the same files run on any Linux, the
# container image's empty base included.
STATIC := CGO_ENABLED=0

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: web host plugins ## build the web app, the host (bin/nexus, the app embedded) and every plugin (bin/plugins), static

# The web app (web/, TypeScript + Preact + Vite) is built into the host's
# embedded directory; only its .keep is committed, so Go builds without npm
# and the host then answers that the app is not built.
WEBUI_DIST := host/internal/webui/dist

# A vertical's pages are its own bundle (the host's UI contract):
# plugins/<name>/web, built into its dist/, which the plugin embeds; only
# dist/.keep is committed, so the plugin builds before npm has run and then
# contributes no pages.
PLUGIN_WEBS := $(patsubst %/package.json,%,$(wildcard plugins/*/web/package.json))

.PHONY: web
web: web/node_modules/.installed $(PLUGIN_WEBS:%=%/node_modules/.installed) ## build the web app and the verticals' page bundles (npm ci, type check, vite build) into the files the host and plugins embed
	find $(WEBUI_DIST) -mindepth 1 ! -name .keep -delete
	cd web && npm run build
	@for d in $(PLUGIN_WEBS); do \
		find $$d/dist -mindepth 1 ! -name .keep -delete; \
		echo "cd $$d && npm run build"; (cd $$d && npm run build) || exit 1; \
	done

# npm ci again only when the lockfile changed.
%/node_modules/.installed: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund
	@touch $@

.PHONY: browser-deps
browser-deps: ## install Debian's chromium, which the browser test (host/internal/webui) drives headless
	@if ! command -v chromium >/dev/null; then \
		echo "installing chromium (Debian package)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi

.PHONY: afip-deps
afip-deps: ## install openssl (Debian), with which the AFIP tests (host/internal/fiscal/afip) verify the signed WSAA ticket request
	@if ! command -v openssl >/dev/null; then \
		echo "installing openssl (Debian package)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openssl >/dev/null; \
	fi

.PHONY: cfdi-deps
cfdi-deps: ## install xsltproc, xmllint and poppler-utils (Debian), which the CFDI tests (host/internal/fiscal/cfdi) run
	@if ! command -v xsltproc >/dev/null || ! command -v xmllint >/dev/null || ! command -v pdftoppm >/dev/null; then \
		echo "installing xsltproc, libxml2-utils and poppler-utils (Debian packages)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq xsltproc libxml2-utils poppler-utils >/dev/null; \
	fi

# SAT's CFDI 4.0 schemas, cadena original XSLT and public test CSD are not
# committed: they are fetched as listed (source and git blob hash) in
# sat-files.txt, and a file whose content differs from its hash is refused.
# CI does not fetch them (it cannot reach their host): `make test` checks
# the CFDI issuer against committed goldens (cadenas originales produced by
# SAT's XSLT) with a CSD generated at test time; `make sat-check`, run by
# developers, adds SAT's own checks over SAT's files (Go build tag
# satfiles), the goldens re-derived with SAT's XSLT among them. Where the
# steering repository's shared/ holds SAT's files (SAT_SHARED, laid out as
# the local paths of sat-files.txt), they are copied from there, hashes
# checked the same, and `make test` runs the conformance suite too.
SAT_TESTDATA := host/internal/fiscal/cfdi/testdata
SAT_SHARED ?= ../shared/sat

.PHONY: sat-testdata
sat-testdata: doc-tools ## fetch SAT's CFDI XSD/XSLT and test CSD that `make sat-check` checks against (host/internal/fiscal/cfdi/testdata/sat-files.txt; needs the network)
	@grep -v -e '^#' -e '^$$' $(SAT_TESTDATA)/sat-files.txt | while read -r hash url path; do \
		f="$(SAT_TESTDATA)/sat/$$path"; \
		if [ -f "$$f" ] && [ "$$(git hash-object "$$f")" = "$$hash" ]; then continue; fi; \
		mkdir -p "$$(dirname "$$f")"; \
		if [ -f "$(SAT_SHARED)/$$path" ]; then echo "copying $$path from $(SAT_SHARED)"; cp "$(SAT_SHARED)/$$path" "$$f.part"; \
		else echo "fetching $$path"; curl -fsSL --retry 3 -o "$$f.part" "$$url" || { rm -f "$$f.part"; exit 1; }; fi; \
		if [ "$$(git hash-object "$$f.part")" != "$$hash" ]; then echo "$$url: content is not $$hash"; rm -f "$$f.part"; exit 1; fi; \
		mv "$$f.part" "$$f"; \
	done

.PHONY: sat-check
sat-check: sat-testdata afip-deps cfdi-deps ## the CFDI conformance suite: the fiscal tests with SAT's files (tag satfiles): cfdv40.xsd, SAT's XSLT against Go and the goldens, SAT's test CSD
	$(GO) vet -tags satfiles ./host/internal/fiscal/...
	$(GO) test -count=1 -tags satfiles ./host/internal/fiscal/...

.PHONY: host
host: ## build the host binary
	$(STATIC) $(GO) build -o $(BIN)/nexus ./host/cmd/nexus

.PHONY: plugins
plugins: ## build every vertical plugin into bin/plugins
	@mkdir -p $(PLUGIN_DIR)
	@for p in $(EXAMPLES); do \
		echo "$(STATIC) $(GO) build -o $(PLUGIN_DIR)/nexus-vertical-$$p ./examples/$$p"; \
		$(STATIC) $(GO) build -o $(PLUGIN_DIR)/nexus-vertical-$$p ./examples/$$p || exit 1; \
	done
	@for p in $(wildcard plugins/*/cmd/nexus-vertical-*); do \
		n=$${p##*/nexus-vertical-}; \
		echo "$(STATIC) $(GO) build -o $(PLUGIN_DIR)/nexus-vertical-$$n ./$$p"; \
		$(STATIC) $(GO) build -o $(PLUGIN_DIR)/nexus-vertical-$$n ./$$p || exit 1; \
	done

.PHONY: run
run: build ## build everything and start the platform on :8080 with a demo company
	NEXUS_ENV=$${NEXUS_ENV:-dev} NEXUS_DEMO=$${NEXUS_DEMO:-1} ./$(BIN)/nexus serve

.PHONY: tools
tools: $(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc $(TOOLS)/staticcheck $(TOOLS)/gitleaks ## install pinned code generators, linters and the secret scanner

$(TOOLS)/protoc-gen-go:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

$(TOOLS)/protoc-gen-go-grpc:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(TOOLS)/gitleaks:
	GOBIN=$(TOOLS) $(GO) install github.com/zricethezav/gitleaks/v8@$(GITLEAKS_VERSION)

.PHONY: chart-tools
chart-tools: $(TOOLS)/helm $(TOOLS)/kubeconform $(TOOLS)/kubernetes-api-$(KUBERNETES_API_VERSION).json deploy/helm/servicemonitor/node_modules/.installed ## install helm, kubeconform, the Kubernetes OpenAPI document and the ServiceMonitor validator (npm) the chart test (deploy/helm) uses

$(TOOLS)/helm:
	GOBIN=$(TOOLS) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(TOOLS)/kubeconform:
	GOBIN=$(TOOLS) $(GO) install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)

# The OpenAPI document Kubernetes publishes in its source tree
# (api/openapi-spec/swagger.json of the module k8s.io/kubernetes, downloaded
# through the Go module proxy, nothing of it built); the chart test makes
# kubeconform's schemas from it, offline. A previous version's copy goes:
# the test reads the only one.
$(TOOLS)/kubernetes-api-$(KUBERNETES_API_VERSION).json:
	@mkdir -p $(TOOLS)
	dir=$$(cd / && GOWORK=off GOFLAGS=-mod=mod $(GO) mod download -json k8s.io/kubernetes@$(KUBERNETES_API_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -n "$$dir" || { echo "go mod download k8s.io/kubernetes@$(KUBERNETES_API_VERSION) failed"; exit 1; }; \
	rm -f $(TOOLS)/kubernetes-api-v*.json; \
	cp "$$dir/api/openapi-spec/swagger.json" $@

.PHONY: prometheus-deps
prometheus-deps: ## install Debian's prometheus and promtool, which the metrics test (host/e2e) runs against a real host
	@if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then \
		echo "installing prometheus (Debian package)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi

.PHONY: hooks
hooks: $(TOOLS)/gitleaks ## install the git pre-commit hook (scripts/pre-commit: file sizes, secrets, gofmt, core unit tests)
	scripts/pre-commit --install

.PHONY: guard
guard: $(TOOLS)/gitleaks ## the pre-commit checks over the whole tree
	GITLEAKS=$(TOOLS)/gitleaks scripts/pre-commit --tree

.PHONY: protoc
protoc:
	@if ! protoc --version 2>/dev/null | grep -q "$(PROTOC_VERSION)"; then \
		echo "installing protoc $(PROTOC_VERSION) (Debian protobuf-compiler)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq protobuf-compiler >/dev/null; \
		protoc --version | grep -q "$(PROTOC_VERSION)" || { echo "need protoc $(PROTOC_VERSION), have $$(protoc --version)"; exit 1; }; \
	fi

.PHONY: doc-tools
doc-tools: ## install jq and curl, which the README walkthrough test (host/doctest) runs
	@if ! command -v jq >/dev/null || ! command -v curl >/dev/null; then \
		echo "installing jq and curl (Debian packages)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq jq curl >/dev/null; \
	fi

.PHONY: proto
proto: protoc $(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc ## regenerate Go code from proto/
	PATH=$(TOOLS):$$PATH protoc -I proto \
		--go_out=proto --go_opt=paths=source_relative \
		--go-grpc_out=proto --go-grpc_opt=paths=source_relative \
		proto/nexus/v1/*.proto

.PHONY: proto-check
proto-check: proto ## fail if the committed generated code is stale
	@git diff --exit-code -- proto || { echo "generated code in proto/ is stale: run make proto and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- proto)" || { git status --porcelain -- proto; echo "untracked generated files in proto/"; exit 1; }

.PHONY: lint
lint: $(TOOLS)/staticcheck ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(MODULES)
	$(TOOLS)/staticcheck $(MODULES)

.PHONY: tidy
tidy: ## go mod tidy in every module, each on its own (no workspace), as a release build resolves it
	@for d in $(MODULE_DIRS); do echo "go mod tidy ($$d)"; (cd $$d && GOWORK=off $(GO) mod tidy) || exit 1; done

.PHONY: tidy-check
tidy-check: tidy ## fail if a go.mod or go.sum is not tidy
	@git diff --exit-code -- '*go.mod' '*go.sum' || { echo "go.mod/go.sum not tidy: run make tidy and commit"; exit 1; }

.PHONY: test
test: guard proto-check tidy-check lint build doc-tools browser-deps afip-deps cfdi-deps chart-tools prometheus-deps ## every check CI makes: the guardian's, generated code, tidy modules, lint, build, tests (README walkthrough, browser test, CFDI goldens and seals, Helm chart and a real Prometheus included; SAT's own CFDI checks, `make sat-check`, when SAT_SHARED holds SAT's files)
	@if [ -d "$(SAT_SHARED)" ]; then $(MAKE) sat-check; else echo "SAT's CFDI files are not in $(SAT_SHARED): the conformance suite (make sat-check) does not run"; fi
	$(GO) test -count=1 -timeout 12m $(MODULES)

.PHONY: test-race
test-race: ## the test suite under the race detector
	$(GO) test -race -count=1 -timeout 20m $(MODULES)

.PHONY: bench
bench: build ## run the benchmarks one package at a time (figures for the README)
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 3s -timeout 30m $(MODULES)

.PHONY: clean
clean: ## remove build output
	rm -rf $(BIN) web/test-output
	find $(WEBUI_DIST) $(PLUGIN_WEBS:%=%/dist) -mindepth 1 ! -name .keep -delete
