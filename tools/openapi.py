"""Generate the suppression read API's OpenAPI document from its handler (`make openapi`).

Powertools' event handler builds the document from the routes in `handlers.suppression_api`:
paths, methods, operation ids, summaries, parameters (path parameters and the keyword-only
query parameters of each route) and the response and request schemas the routes declare.
Generation needs pydantic, which only the development environment has; the function serves
the generated file as it is (GET /openapi.json).

    python tools/openapi.py          write docs/openapi.json and the copy the function ships
    python tools/openapi.py --check  exit 1 if either file differs from a fresh generation
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from handlers import suppression_api  # noqa: E402 - needs the path above

DOCS_COPY = ROOT / "docs" / "openapi.json"
TARGETS = (DOCS_COPY, suppression_api.OPENAPI_DOCUMENT)
API_VERSION = "1"
DESCRIPTION = (
    "Read-only lookups in the ses-feedback suppression table for services that cannot read "
    "DynamoDB directly. Every request is signed with SigV4 by a principal allowed "
    "execute-api:Invoke (stack output SuppressionApiInvokePolicyArn). Status objects are the "
    "ones `ses-feedback check --json` prints; the item contract is docs/schema.md."
)


def generate() -> dict[str, Any]:
    schema = suppression_api.app.get_openapi_schema(
        title="ses-feedback suppression API",
        version=API_VERSION,
        description=DESCRIPTION,
        security_schemes={
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "AWS Signature Version 4 (API Gateway IAM authorization)",
            }
        },
        security=[{"sigv4": []}],
    )
    document: dict[str, Any] = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _without_unreferenced_components(document)


def _without_unreferenced_components(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools always adds the schemas of its request-validation errors (422); this API
    never answers with them, so they would only mislead a reader or a client generator."""
    components = document.get("components", {})
    schemas = components.get("schemas", {})
    text_without_components = json.dumps({k: v for k, v in document.items() if k != "components"})
    used = {name for name in schemas if f"#/components/schemas/{name}" in text_without_components}
    if schemas:
        components["schemas"] = {name: schemas[name] for name in sorted(used)}
        if not components["schemas"]:
            del components["schemas"]
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = render(generate())
    stale = [path for path in TARGETS if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run `make openapi`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
