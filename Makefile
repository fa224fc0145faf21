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
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_EC2_METADATA_DISABLED := true
export SAM_CLI_TELEMETRY := 0

.PHONY: help demo test lint typecheck unit integration contract sam-validate sam-build checkov bench clean

help:
	@echo "make demo   - run the pipeline locally on an embedded DynamoDB emulator"
	@echo "make test   - lint, type-check, all test suites, sam validate --lint, sam build"
	@echo "make bench  - benchmarks, written to docs/benchmarks.md"
	@echo "make checkov - checkov on the SAM-transformed template (not part of make test)"

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

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy src

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration tests/contract

sam-validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint
	$(SAM) validate

sam-build: $(SAM_VENV)/.installed
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" PYENV_VERSION="$$($(PYTHON) -c 'import platform; print(platform.python_version())')$(if $(SAM_PYENV),:$(SAM_PYENV))" \
		$(SAM) build --build-dir .aws-sam/build

# The transformed template (the generated roles included) is what gets deployed, so that is
# what checkov reads; exceptions and their reasons: tools/checkov.yaml, docs/security.md.
checkov: $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(SAM_VENV)/bin/python tools/sam_transform.py -o .aws-sam/transformed.json
	$(CHECKOV_VENV)/bin/checkov -f .aws-sam/transformed.json --config-file tools/checkov.yaml

test: lint typecheck sam-validate
	$(PY) -m pytest tests
	$(MAKE) sam-build

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
