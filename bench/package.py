"""Deployment packages: size of each function package and of the dependency layer against
Lambda's limits, and cold import of each handler from the built package.

Reads the builds `make bench` makes first (`make sam-build sam-build-native`): sizes from the
deploy build (template.yaml's arm64, `.aws-sam/build`), imports from the build for this
machine's architecture (arm64 wheels cannot load on x86_64), in a fresh interpreter of the
functions' runtime with only the function package and the layer on the path, as in Lambda.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "src", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from cli.local_env import load_template  # noqa: E402

MB = 1_000_000
UNZIPPED_LIMIT = 250 * 1024 * 1024  # function + all its layers, unzipped
ZIPPED_DIRECT_LIMIT = 50 * 1024 * 1024  # zip uploaded directly (SAM uploads to S3 instead)
FUNCTIONS_TARGET = 5 * MB  # our code as deployed (function packages + code layer), unzipped
REPEAT = 9
TARGET_RATIO = 1.5  # each handler's cold import at most this multiple of `import boto3`

# A fresh interpreter imports one module from the given path and prints the CPU seconds it
# took (the interpreter's own start-up is not counted; CPU rather than wall time, so other
# processes on a shared machine do not add to it). -B: nothing is written, as in Lambda,
# whose code directories are read-only; the packages' shipped bytecode is read.
IMPORT_ONE = """
import sys, time
sys.path[:0] = sys.argv[2:]
start = time.process_time()
__import__(sys.argv[1])
print(time.process_time() - start)
"""


def machine_architecture() -> str:
    return {"aarch64": "arm64"}.get(platform.machine(), platform.machine())


def build_dirs() -> tuple[Path, Path]:
    deploy = ROOT / os.environ.get("BENCH_DEPLOY_BUILD_DIR", ".aws-sam/build")
    arch = machine_architecture()
    native_default = ".aws-sam/build" if arch == "arm64" else f".aws-sam/build-{arch}"
    native = ROOT / os.environ.get("SES_FEEDBACK_BUILD_DIR", native_default)
    return deploy, native


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def zipped_size(path: Path) -> int:
    """Size of the zip `sam package` would upload (deflate, paths relative to the root)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(path))
    return len(buffer.getvalue())


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res["Properties"]
        for name, res in sorted(template["Resources"].items())
        if res["Type"] == "AWS::Serverless::Function"
    }


def layer_dirs(build: Path, template: dict[str, Any]) -> dict[str, Path]:
    """Every layer of the functions, by logical id (the dependencies and the shared code)."""
    return {
        ref["Ref"]: build / template["Resources"][ref["Ref"]]["Properties"]["ContentUri"]
        for ref in template["Globals"]["Function"]["Layers"]
    }


def layer_dir(build: Path, template: dict[str, Any]) -> Path:
    """The dependency layer (the largest parts listed, and `import boto3` measured, from it)."""
    return layer_dirs(build, template)["DependencyLayer"]


def mb(size: int) -> str:
    return f"{size / MB:.2f} MB"


def size_section(build: Path) -> list[str]:
    template = load_template(build / "template.yaml")
    layer = layer_dir(build, template)
    code = layer_dirs(build, template)["AppCodeLayer"]
    layer_unzipped, layer_zipped = tree_size(layer), zipped_size(layer)
    code_unzipped, code_zipped = tree_size(code), zipped_size(code)
    rows, total_unzipped, total_zipped, largest = [], code_unzipped, code_zipped, 0
    for name, props in functions(template).items():
        package = build / props["CodeUri"]
        unzipped, zipped = tree_size(package), zipped_size(package)
        total_unzipped, total_zipped = total_unzipped + unzipped, total_zipped + zipped
        largest = max(largest, unzipped)
        with_layer = unzipped + layer_unzipped + code_unzipped
        rows.append(
            f"| {name} | {mb(unzipped)} | {mb(zipped)} | {mb(with_layer)} "
            f"({with_layer / UNZIPPED_LIMIT:.0%} of 250 MiB) | "
            f"{zipped / ZIPPED_DIRECT_LIMIT:.1%} of 50 MiB |"
        )
    verdict = "under" if total_unzipped < FUNCTIONS_TARGET else "OVER"
    ours = [build / props["CodeUri"] for props in functions(template).values()] + [code]
    bytecode = sum(f.stat().st_size for tree in ours for f in tree.rglob("__pycache__/*.pyc"))
    biggest = sorted(
        ((tree_size(p), p.name) for p in (layer / "python").iterdir() if p.is_dir()),
        reverse=True,
    )[:4]
    return [
        "## Deployment packages",
        "",
        f"`sam build` output for the deploy architecture ({build.relative_to(ROOT)}, "
        f"{template['Globals']['Function']['Architectures'][0]}; `bench/package.py`). Zipped = "
        "deflate, as `sam package` uploads. Lambda's limits: 250 MiB unzipped for a function "
        "and all its layers; 50 MiB zipped for a direct upload (SAM uploads through S3, where "
        "only the unzipped limit applies).",
        "",
        "| package | unzipped | zipped | unzipped with the layers | zipped vs direct upload |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        f"| AppCodeLayer (domain, adapters) | {mb(code_unzipped)} | {mb(code_zipped)} | | "
        f"{code_zipped / ZIPPED_DIRECT_LIMIT:.1%} of 50 MiB |",
        f"| **{len(rows)} functions and the code layer together** | {mb(total_unzipped)} | "
        f"{mb(total_zipped)} | | |",
        f"| DependencyLayer | {mb(layer_unzipped)} | {mb(layer_zipped)} | "
        f"{layer_unzipped / UNZIPPED_LIMIT:.0%} of 250 MiB alone | "
        f"{layer_zipped / ZIPPED_DIRECT_LIMIT:.0%} of 50 MiB |",
        "",
        f"Our code as deployed (the {len(rows)} function packages and AppCodeLayer): "
        f"{mb(total_unzipped)} unzipped, {verdict} the 5 MB target; {mb(bytecode)} of it is "
        "the bytecode shipped for the cold start (docs/decisions.md). Largest parts of the "
        "dependency layer: " + ", ".join(f"{name} {mb(size)}" for size, name in biggest) + ".",
        "",
    ]


def runtime_python(template: dict[str, Any]) -> str | None:
    runtime = template["Globals"]["Function"]["Runtime"]
    return os.environ.get("SES_FEEDBACK_RUNTIME_PYTHON") or shutil.which(runtime)


def import_seconds(python: str, module: str, paths: list[Path]) -> float:
    out = subprocess.run(
        [python, "-B", "-I", "-S", "-c", IMPORT_ONE, module, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def import_section(build: Path) -> list[str]:
    template = load_template(build / "template.yaml")
    python = runtime_python(template)
    if not python:
        return ["### Cold import", "", "Skipped: no python3.13 interpreter found.", ""]
    layer = layer_dir(build, template) / "python"
    code = layer_dirs(build, template)["AppCodeLayer"] / "python"
    targets = {
        name: (props["Handler"].rpartition(".")[0], [build / props["CodeUri"], code, layer])
        for name, props in functions(template).items()
    }
    targets = {"import boto3 (baseline)": ("boto3", [layer]), **targets}
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(REPEAT):  # interleaved, so a busy moment hits every row alike
        for name, (module, paths) in targets.items():
            samples[name].append(import_seconds(python, module, paths))
    version = subprocess.run(
        [python, "-I", "-S", "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Each round's ratio to that round's baseline, then the median: a slow moment on a
    # shared machine slows a round's rows together, so it cancels out of the ratio.
    ratios = {
        name: statistics.median(
            s / b for s, b in zip(samples[name], samples["import boto3 (baseline)"], strict=True)
        )
        for name in targets
    }
    rows = [
        f"| {name} | `{module}` | {statistics.median(samples[name]) * 1000:.0f} ms | "
        f"{ratios[name]:.2f} |"
        for name, (module, _) in targets.items()
    ]
    worst = max(ratios.items(), key=lambda item: item[1])
    verdict = "meets" if worst[1] <= TARGET_RATIO else "misses"
    return [
        "### Cold import from the built package",
        "",
        f"Python {version} started with `-B -I -S` and only the function package and the "
        f"layer on the path ({build.relative_to(ROOT)}, {machine_architecture()}: the arm64 "
        "wheels do not load here), median of "
        f"{REPEAT} fresh interpreters per row, interleaved, CPU time of the import; nothing is "
        "written (Lambda's code directories are read-only), and the bytecode the build ships "
        "(layer/Makefile, src/Makefile) is read, as in Lambda. Ratio = median over the "
        "rounds of import time / `import boto3` alone in the same round.",
        "",
        "| function | module | import (median) | ratio to `import boto3` |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        f"Target: every handler at most {TARGET_RATIO:g}x `import boto3`; this run {verdict} "
        f"it (highest: {worst[0]}, {worst[1]:.2f}x).",
        "",
    ]


def run() -> str:
    deploy, native = build_dirs()
    for build in (deploy, native):
        if not (build / "template.yaml").exists():
            return "\n".join(
                [
                    "## Deployment packages",
                    "",
                    f"Skipped: no build in {build.relative_to(ROOT)} "
                    "(`make bench` builds first: `make sam-build sam-build-native`).",
                    "",
                ]
            )
    return "\n".join(size_section(deploy) + import_section(native))


if __name__ == "__main__":
    print(run())
