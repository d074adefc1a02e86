"""``sigstack serve admission`` flags that are settled before serving."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from sigstack.cli.main import main


def test_print_ca_bundle_makes_the_certificates_and_exits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["serve", "admission", "--data-dir", str(tmp_path), "--no-kubernetes",
                   "--tls-self-signed", "webhook.cosign-system.svc", "--print-ca-bundle"])  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    bundle = next(line.split(": ", 1)[1] for line in out.splitlines() if "caBundle:" in line)
    assert base64.b64decode(bundle) == (tmp_path / "admission-tls" / "ca.crt").read_bytes()
    assert (tmp_path / "admission-tls" / "tls.key").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--print-ca-bundle"], "expected --print-ca-bundle with --tls-self-signed DNS_NAME"),
        (["--tls-cert", "c.pem"], "expected --tls-cert and --tls-key together, found only one"),
        (["--policy", "nope.yaml"], "expected a policy file or directory, found nothing at"),
    ],
)
def test_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    status = main(["serve", "admission", "--data-dir", str(tmp_path), "--no-kubernetes", *flags])
    assert status == 1
    assert message in capsys.readouterr().err
