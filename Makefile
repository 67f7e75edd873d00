GO        ?= go
TESTFLAGS ?=
ARGS      ?=
# gqlgen runs after ent (entgql writes ent.graphqls first); only once gqlgen.yml exists.
GQLGEN    ?= $(GO) run github.com/99designs/gqlgen
GENERATED := ent graph '*.graphqls'

.PHONY: build run serve frontend generate check-generate test test-sqlite test-postgres vet bench clean

build:
	$(GO) build -o bin/registry ./cmd/registry

run serve: frontend
	$(GO) run ./cmd/registry serve $(ARGS)

# No-op without frontend/package.json or Node: the committed dist placeholder keeps go build working.
frontend:
	@if [ -f frontend/package.json ] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		cd frontend && if [ -f package-lock.json ]; then npm ci; else npm install; fi && npm run build; \
	fi

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

# Both databases, one after the other: SQLite first, then a throwaway Postgres.
test:
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "=== go test: SQLite (TEST_DATABASE_URL unset) ==="
	env -u TEST_DATABASE_URL $(GO) test -count=1 $(TESTFLAGS) ./...

test-postgres:
	@echo "=== go test: PostgreSQL (scripts/with-postgres) ==="
	scripts/with-postgres $(GO) test -count=1 $(TESTFLAGS) ./...

vet:
	$(GO) vet ./...

bench:
	$(GO) run ./cmd/bench $(ARGS)

clean:
	rm -rf bin

# npm packument over HTTP for 1, 100 and 1,000 versions: requests per second and p99 latency.
.PHONY: bench-npm
bench-npm:
	$(GO) test -run '^$$' -bench BenchmarkPackument -benchtime 2s ./compat/npm/
