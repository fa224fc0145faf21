"""Write a copy of template.yaml that builds for another instruction set architecture.

The functions deploy on arm64 (template.yaml). The packaging test runs the built packages on
this machine, whose interpreter cannot load arm64 wheels (orjson, cryptography, cffi) when it
is x86_64, so `make package-test` builds from this copy instead. Only the three architecture
settings change; the copy lives under .aws-sam/ and is built with `--base-dir .` so the
relative CodeUri/ContentUri paths still point at src/ and layer/.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_ARCHITECTURE = "arm64"
ARCHITECTURE_SETTINGS = (
    # (pattern, what it is); each must occur exactly once in template.yaml
    (r"(\n    Architectures: \[)arm64(\])", "Globals Function Architectures"),
    (r"(\n      BuildArchitecture: )arm64(\n)", "DependencyLayer Metadata BuildArchitecture"),
    (r"(\n      CompatibleArchitectures: \[)arm64(\])", "DependencyLayer CompatibleArchitectures"),
)


def for_architecture(text: str, architecture: str) -> str:
    for pattern, what in ARCHITECTURE_SETTINGS:
        text, count = re.subn(pattern, rf"\g<1>{architecture}\g<2>", text)
        if count != 1:
            raise SystemExit(
                f"template.yaml: expected one {what} = {DEPLOY_ARCHITECTURE}, found {count}"
            )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("architecture", choices=["arm64", "x86_64"])
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("-t", "--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(for_architecture(args.template.read_text(), args.architecture))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
