# ses-feedback developer commands. Every target creates the virtual environments it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .sam-venv
SAM := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
CHECKOV_VENV := .checkov-venv
CHECKOV_VERSION := 3.3.30
# sam build needs the function runtime's interpreter on PATH; pyenv has it on our machines.
SAM_PYENV := $(shell ls -d /root/.pyenv/versions/3.13.* 2>/dev/null | head -1 | xargs -r basename)
SAM_BUILD_ENV = PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" PYENV_VERSION="$$($(PYTHON) -c 'import platform; print(platform.python_version())')$(if $(SAM_PYENV),:$(SAM_PYENV))"
# The packaging test runs the built functions in a fresh interpreter of that runtime version.
RUNTIME_PYTHON := $(if $(SAM_PYENV),/root/.pyenv/versions/$(SAM_PYENV)/bin/python3.13,$(shell command -v python3.13))
# template.yaml deploys arm64; the packaging test needs wheels this machine can load, so on
# another architecture it builds a copy of the template for this one (tools/template_for_arch.py).
DEPLOY_ARCH := arm64
MACHINE_ARCH := $(shell uname -m | sed -e 's/^aarch64$$/arm64/')
ifeq ($(MACHINE_ARCH),$(DEPLOY_ARCH))
NATIVE_BUILD_DIR := .aws-sam/build
else
NATIVE_BUILD_DIR := .aws-sam/build-$(MACHINE_ARCH)
endif
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_EC2_METADATA_DISABLED := true
export SAM_CLI_TELEMETRY := 0

.PHONY: help demo test test-fast lint typecheck unit integration contract sam-validate sam-build sam-build-native package-test checkov bench openapi clean

help:
	@echo "make demo   - run the pipeline locally on an embedded DynamoDB emulator"
	@echo "make test   - lint, type-check, all test suites, sam validate --lint, sam build,"
	@echo "              the packaging test (built functions + layer in a fresh interpreter)"
	@echo "make test-fast - lint, type-check and the tests not marked slow (daily work)"
	@echo "make bench  - benchmarks (package sizes from a fresh sam build), written to docs/benchmarks.md"
	@echo "make checkov - checkov on the SAM-transformed template (not part of make test)"
	@echo "make openapi - regenerate docs/openapi.json from the read API's routes"

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)
	touch $@

# checkov gets its own virtualenv: its large dependency tree stays out of the project's
# constraints and the SAM CLI's environment.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/ses-feedback demo

# ruff (lint, format, mccabe complexity) and vulture (dead code; paths, confidence and the
# allow-list in pyproject.toml [tool.vulture] and tools/vulture_allowlist.py).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/vulture

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy src

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration tests/contract

sam-validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint
	$(SAM) validate

# The deployment artifacts: one package per function (src/Makefile) and DependencyLayer (layer/).
sam-build: $(SAM_VENV)/.installed
	LAYER_ARCHITECTURE=$(DEPLOY_ARCH) $(SAM_BUILD_ENV) $(SAM) build --build-dir .aws-sam/build

# The same build for this machine's architecture (the deploy build itself on an arm64 machine).
sam-build-native: $(SAM_VENV)/.installed $(VENV)/.installed
ifeq ($(MACHINE_ARCH),$(DEPLOY_ARCH))
	$(MAKE) sam-build
else
	$(PY) tools/template_for_arch.py $(MACHINE_ARCH) -o .aws-sam/template-$(MACHINE_ARCH).yaml
	LAYER_ARCHITECTURE=$(MACHINE_ARCH) $(SAM_BUILD_ENV) $(SAM) build \
		--template .aws-sam/template-$(MACHINE_ARCH).yaml --base-dir . \
		--build-dir $(NATIVE_BUILD_DIR)
endif

# Each built function, with only its package and the layer on the path, imports its handler
# and handles a sample event against the embedded emulator (tests/packaging).
package-test: sam-build-native
	SES_FEEDBACK_BUILD_DIR="$(NATIVE_BUILD_DIR)" SES_FEEDBACK_RUNTIME_PYTHON="$(RUNTIME_PYTHON)" \
		$(PY) -m pytest tests/packaging -v

# The transformed template (the generated roles included) is what gets deployed, so that is
# what checkov reads; exceptions and their reasons: tools/checkov.yaml, docs/security.md.
checkov: $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(SAM_VENV)/bin/python tools/sam_transform.py -o .aws-sam/transformed.json
	$(CHECKOV_VENV)/bin/checkov -f .aws-sam/transformed.json --config-file tools/checkov.yaml

test: lint typecheck sam-validate
	$(PY) -m pytest tests
	$(MAKE) sam-build
	$(MAKE) package-test

# For daily work: everything make test runs in pytest except the tests marked slow (the long
# concurrency and fault-injection tests) and the SAM build, validation and packaging steps.
test-fast: lint typecheck
	$(PY) -m pytest tests -m "not slow"

# The package section reads fresh builds: the deploy architecture's for sizes, this machine's
# for cold imports (bench/package.py).
bench: $(VENV)/.installed sam-build sam-build-native
	BENCH_DEPLOY_BUILD_DIR=.aws-sam/build SES_FEEDBACK_BUILD_DIR="$(NATIVE_BUILD_DIR)" \
		SES_FEEDBACK_RUNTIME_PYTHON="$(RUNTIME_PYTHON)" $(PY) bench/run.py

openapi: $(VENV)/.installed
	$(PY) tools/openapi.py

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
