GO        ?= go
TESTFLAGS ?=
ARGS      ?=
# How long each fuzz target runs in make test under CI (its seeds run in every go test).
CI_FUZZTIME ?= 2s
# gqlgen runs after ent (entgql writes ent.graphqls first); only once gqlgen.yml exists.
GQLGEN    ?= $(GO) run github.com/99designs/gqlgen
GENERATED := ent graph '*.graphqls'

.PHONY: build run serve frontend generate check-generate migration test test-sqlite test-postgres vet bench clean

# The version, commit and build date that `registry version` and /api/v4/version show.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/registry ./cmd/registry

run serve: frontend
	$(GO) run ./cmd/registry serve $(ARGS)

# No-op without frontend/package.json or Node: the committed dist placeholder keeps go build working.
# The build (frontend/dist/app) is remade only when a file it is made from is newer:
# the UI's sources, its lockfile and config, or a GraphQL schema (graphql-codegen
# reads them, then tsc checks the UI against them, so a breaking schema change fails
# here). npm ci runs only when node_modules is missing or older than the lockfile.
UI_SOURCES := $(shell find frontend/src -type f -not -path 'frontend/src/gql/*' 2>/dev/null) \
	$(wildcard frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts \
	frontend/codegen.ts frontend/tsconfig.json schema.graphqls compat/*/*.graphqls)

frontend:
	@if [ -f frontend/package.json ] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory frontend/dist/app/index.html; \
	elif [ -n "$$CI" ]; then echo "make frontend: node and npm are required in CI" >&2; exit 1; fi

frontend/dist/app/index.html: $(UI_SOURCES)
	cd frontend && if [ ! -f package-lock.json ]; then npm install; \
		elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi && \
		npm run build && touch dist/app/index.html

generate:
	$(GO) generate ./ent/...
	@if [ -f gqlgen.yml ]; then echo "$(GQLGEN) generate"; $(GQLGEN) generate; fi

check-generate: generate
	@changes=$$(git status --porcelain -- $(GENERATED)); \
	if [ -n "$$changes" ]; then \
		echo "make generate changed generated code; run it and commit the result:"; \
		echo "$$changes"; \
		git --no-pager diff --stat -- $(GENERATED); \
		exit 1; \
	fi

# A versioned migration for what ent/schema has and database/migrations lacks, written
# for SQLite and Postgres (a throwaway cluster to diff on): make migration name=add_audit_events
# (migrations=... is taken too), after make generate. Review the two files, then commit
# them with the schema.
migration: generate
	@name='$(or $(name),$(migrations))'; if [ -z "$$name" ]; then \
		echo "usage: make migration name=<what_changed>" >&2; exit 2; fi; \
	scripts/with-postgres $(GO) run ./database/migrations/gen "$$name"

# Both databases, one after the other: SQLite first, then a throwaway Postgres.
# The UI first (build, then its Vitest unit tests): the Go tests embed the build and
# drive it in Chromium (frontend/e2e_test.go).
# scripts/install-test-deps first installs what is missing (Postgres, the real clients,
# Chromium, MinIO, node_modules); NO_INSTALL=1 skips it.
test:
	@if [ -z "$(NO_INSTALL)" ]; then scripts/install-test-deps; fi
	@$(MAKE) --no-print-directory frontend
	@if [ -f frontend/package.json ] && command -v npm >/dev/null 2>&1; then \
		echo "=== vitest: frontend ==="; cd frontend && npm test; fi
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
	@if [ -n "$$CI" ]; then echo "=== fuzz: every target for $(CI_FUZZTIME) (make fuzz runs longer) ==="; \
		FUZZTIME=$(CI_FUZZTIME) GO=$(GO) scripts/fuzz; fi

test-sqlite:
	@echo "=== go test: SQLite (TEST_DATABASE_URL unset) ==="
	env -u TEST_DATABASE_URL $(GO) test -count=1 $(TESTFLAGS) ./...

test-postgres:
	@echo "=== go test: PostgreSQL (scripts/with-postgres) ==="
	scripts/with-postgres $(GO) test -count=1 $(TESTFLAGS) ./...

vet:
	$(GO) vet ./...

# The registry beside nginx and Verdaccio, and at scale on SQLite and a throwaway
# Postgres (scripts/with-postgres), in one run: make bench ARGS="-quick -only npm".
bench:
	scripts/with-postgres $(GO) run ./cmd/bench $(ARGS)

clean:
	rm -rf bin

# npm packument over HTTP for 1, 100 and 1,000 versions: requests per second and p99 latency.
.PHONY: bench-npm
bench-npm:
	$(GO) test -run '^$$' -bench BenchmarkPackument -benchtime 2s ./compat/npm/

# Every native fuzz target (func FuzzXxx in a _test.go, found by scripts/fuzz), one
# after the other, for FUZZTIME each: make fuzz FUZZTIME=1m. Their seed corpora
# (testdata/fuzz) run in every go test, so in make test too.
FUZZTIME ?= 10s
.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz
