# Two commands for a fresh machine (see README.md):
#   make run    install, migrate, seed demo data and serve on http://127.0.0.1:8000/
#   make test   install, lint, check migrations and run the whole test suite
#   make screenshots   write docs/screenshots/*.png of the web console (browser tests)
.PHONY: run test bootstrap lock ci screenshots

run:
	scripts/run.sh

test:
	scripts/test.sh

bootstrap:
	scripts/bootstrap.sh

screenshots:
	scripts/screenshots.sh

# Regenerate requirements/lock.txt after changing dependencies in pyproject.toml.
lock:
	scripts/lock.sh

ci:
	bash .ci/run
