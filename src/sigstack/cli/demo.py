"""``sigstack demo``: the Sigstore tutorial's story against a fresh temporary stack.

A newcomer's walk-through (issue #4), every step printed with what it proved:

1. start ``sigstack up`` on a free loopback port in a temporary data directory;
2. an identity token for ``demo@example.com`` from the development OIDC issuer;
3. keyless signing of a file: ephemeral key → certificate from the CA (SCT checked) →
   RFC 3161 timestamp → transparency-log entry → bundle (sigstore-clients.md §4–§7);
4. the log entry, fetched back from the log by its index;
5. offline verification of the file against the bundle for that identity (§9);
6. the same bundle refused for a tampered file, with the reason.

The stack is stopped and the directory removed at the end (``--keep`` keeps them, for
a look at the data directory). Exit status 0 only when every step behaved as told.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sigstack.errors import Error, NetworkError

__all__ = ["register"]

EMAIL = "demo@example.com"
ARTIFACT = b"Hello from sigstack: signed with an identity, not a long-lived key.\n"


def register(commands: Any) -> None:
    """Add ``demo``."""
    demo = commands.add_parser(
        "demo", help="walk through keyless signing and verification on a temporary stack"
    )
    demo.add_argument(
        "--rekor-version", type=int, choices=(1, 2), default=1, help="log API (default 1)"
    )
    demo.add_argument(
        "--keep", action="store_true", help="keep the temporary data directory and say where"
    )
    demo.set_defaults(handler=_demo)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _stack(data_dir: Path, log: Path) -> Iterator[str]:
    """``sigstack up`` in ``data_dir`` on a free port; yields its base URL, stops it after."""
    import httpx

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sigstack", "up", "--data-dir", str(data_dir),
             "--port", str(port), "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise NetworkError(
                    f"the stack exited with status {process.returncode} before it was "
                    f"ready: {log.read_text(errors='replace')[-400:]}"
                )
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise NetworkError(f"the stack did not answer {url}/healthz within 60 s")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _step(number: int, text: str, started: float) -> None:
    print(f"[{number}/6] {text}  ({(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)


def _detail(text: str) -> None:
    print(f"      {text}", flush=True)


def _demo(args: argparse.Namespace) -> int:
    directory = Path(tempfile.mkdtemp(prefix="sigstack-demo-"))
    print(f"sigstack demo: keyless signing on a private Sigstore (work dir {directory})\n")
    try:
        started = time.perf_counter()
        with _stack(directory / "data", directory / "stack.log") as url:
            _step(1, f"started a private Sigstore with `sigstack up` at {url}", started)
            _detail(f"trust config: {directory / 'data' / 'trust_config.json'}")
            _walk_through(directory, args.rekor_version)
    finally:
        if args.keep:
            print(f"\nkept {directory} (data/ is the stack's data directory)")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


def _walk_through(directory: Path, rekor_version: int) -> None:
    """Steps 2–6 against the stack whose data directory is ``directory/data``."""
    from sigstack.clock import utc_now
    from sigstack.services.oidc import open_provider
    from sigstack.sign import Signer, SigningContext
    from sigstack.verify import Identity, Verifier, load_bundle, load_trusted_root

    data_dir = directory / "data"
    started = time.perf_counter()
    provider = open_provider(data_dir, utc_now, remember=False)
    token = provider.mint(EMAIL)
    _step(2, f"identity token for {EMAIL} from the dev OIDC issuer", started)
    _detail(f"issuer: {provider.issuer}   (as `sigstack oidc token --email {EMAIL}`)")

    started = time.perf_counter()
    config = json.loads((data_dir / "trust_config.json").read_bytes())
    context = SigningContext.from_trust_config(config, now=utc_now(), rekor_version=rekor_version)
    artifact = directory / "hello.txt"
    artifact.write_bytes(ARTIFACT)
    document = Signer(context, token).sign_artifact(ARTIFACT)
    bundle_path = directory / "hello.txt.sigstore.json"
    bundle_path.write_text(json.dumps(document, indent=2) + "\n")
    _step(3, f"signed {artifact.name} into {bundle_path.name} (no key kept anywhere)", started)
    _detail("ephemeral P-256 key → short-lived certificate from the CA, SCT checked")
    _detail(f"→ RFC 3161 timestamp from {len(context.tsa_urls)} TSA(s) → Rekor v{rekor_version}")

    bundle = load_bundle(bundle_path.read_bytes())
    _show_entry(bundle.tlog_entries[0].log_index, context.rekor_url, rekor_version)

    started = time.perf_counter()
    verifier = Verifier(load_trusted_root(json.dumps(config["trustedRoot"])), clock=utc_now)
    result = verifier.verify_artifact(bundle, ARTIFACT, Identity(EMAIL, provider.issuer))
    _step(5, f"verified {artifact.name} offline: signed by {result.identity}", started)
    _detail(f"issuer {result.issuer}; certificate chains to the stack's CA, SCT valid")
    _detail(f"in the log (inclusion proof + signed checkpoint), at {result.verified_times[0]}")

    started = time.perf_counter()
    tampered = ARTIFACT.replace(b"Hello", b"Howdy")
    (directory / "hello-tampered.txt").write_bytes(tampered)
    try:
        verifier.verify_artifact(bundle, tampered, Identity(EMAIL, provider.issuer))
    except Error as exc:
        _step(6, "hello-tampered.txt (one word changed) refused with the same bundle", started)
        _detail(f"reason: {exc}")
    else:
        raise Error("the tampered file verified: this is a bug, please report it")
    print("\nDone. Try it by hand: `sigstack up`, then the commands it prints.")


def _show_entry(index: int, rekor_url: str, rekor_version: int) -> None:
    """Step 4: the entry as the log serves it to anyone who asks."""
    from sigstack.clients.tlog import RekorV1Client

    started = time.perf_counter()
    if rekor_version == 1:
        with RekorV1Client(rekor_url) as log:
            fetched = log.get_by_index(index)
        _step(4, f"transparency log entry at index {index} of {rekor_url}", started)
        _detail(f"fetched back: uuid {fetched.uuid}, kind {fetched.kind} {fetched.api_version}")
        _detail(f"integrated at {fetched.integrated_time} (Unix time), anyone can audit it")
    else:
        _step(4, f"transparency log entry at index {index} of {rekor_url}", started)
        _detail("the bundle carries the entry's inclusion proof and signed checkpoint")
