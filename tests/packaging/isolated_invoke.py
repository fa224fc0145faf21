"""Runs ONE built function the way Lambda would, in a fresh interpreter started with
`-B -I -S`: no site-packages, no PYTHON* variables, no script directory on the path, and no
bytecode written (Lambda's code directories are read-only).

    python3.13 -B -I -S isolated_invoke.py JOB.json RESULT.json

JOB names the function package and layer directories (the only additions to the path), the
handler, the event, and the fakes the emulator cannot stand in for. RESULT gets the response
or the traceback, where boto3/botocore came from, and every loaded module from outside the
package, the layer and the standard library. Only the standard library is imported before
the path is set, so everything else the handler needs must come from the build.
"""

import json
import sys
import sysconfig
import traceback
from pathlib import Path


class Context:
    """The attributes of Lambda's context object the handlers and Powertools read."""

    function_name = "packaging-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:packaging-test"
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/packaging-test"
    log_stream_name = "packaging-test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


class EmptySesSuppressionList:
    """moto has no SESv2 suppression-list API; the sync reads nothing and records writes."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, str]] = []
        self.deletes: list[str] = []

    def entries(self, reasons=("BOUNCE", "COMPLAINT"), start=None, end=None):
        return iter(())

    def put(self, address: str, reason: str) -> None:
        self.puts.append((address, reason))

    def delete(self, address: str) -> bool:
        """Change events lift lapsed exported suppressions from SES's list."""
        self.deletes.append(address)
        return True


def install_fakes(fakes: dict) -> None:
    if not fakes:
        return
    from datetime import datetime

    from adapters import factory

    if "ses_list" in fakes:
        factory.override(ses_list=EmptySesSuppressionList())
    if "sending_control" in fakes:  # nor SESv2 configuration-set sending options
        from adapters.sending_control import SendingState

        class SendingSwitch:
            def __init__(self) -> None:
                self._state = SendingState(True)

            def state(self, configuration_set: str) -> SendingState:
                return self._state

            def pause(self, configuration_set: str, arn: str, tags: dict) -> None:
                self._state = SendingState(False)

            def resume(self, configuration_set: str, arn: str) -> None:
                self._state = SendingState(True)

        factory.override(sending_control=SendingSwitch())
    if "sns_certificate" in fakes:  # served in place of SNS's signing certificate
        url, pem = fakes["sns_certificate"]["url"], fakes["sns_certificate"]["pem"].encode()

        def fetch(asked: str) -> bytes:
            if asked != url:
                raise RuntimeError(f"unexpected fetch of {asked}")
            return pem

        moment = datetime.fromisoformat(fakes["sns_certificate"]["now"])
        factory.override(sns_fetcher=fetch, sns_clock=lambda: moment)


def stray_modules(allowed: list[Path]) -> list[str]:
    strays = []
    for name, module in sorted(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if path == Path(__file__).resolve():  # this script (__main__, and its alias __mp_main__)
            continue
        if not any(path.is_relative_to(root) for root in allowed):
            strays.append(f"{name} ({path})")
    return strays


def origin(name: str) -> dict:
    module = sys.modules.get(name)
    if module is None:
        return {"loaded": False}
    return {"file": module.__file__, "version": getattr(module, "__version__", None)}


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text())
    sys.path[:0] = job["paths"]
    stdlib = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    allowed = [Path(p).resolve() for p in [*job["paths"], *stdlib]]
    result: dict = {"python": sys.version, "sys_path": list(sys.path)}
    try:
        module_name, _, function_name = job["handler"].rpartition(".")
        module = __import__(module_name, fromlist=[function_name])
        handler = getattr(module, function_name)
        install_fakes(job.get("fakes") or {})
        result["response"] = handler(job["event"], Context())
        result["error"] = None
    except Exception:  # reported to the test, which fails with the traceback
        result["error"] = traceback.format_exc()
    result["boto3"] = origin("boto3")
    result["botocore"] = origin("botocore")
    result["strays"] = stray_modules(allowed)
    Path(sys.argv[2]).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
