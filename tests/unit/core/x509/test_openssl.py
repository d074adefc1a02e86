"""``openssl x509 -text`` shows what a Sigstore tutorial reader expects (issue #3, spec §2.1)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from sigstack.core.x509.issuance import build_precertificate, finalize_certificate

from .conftest import ISSUER, NOW, Chain, dummy_sct_list, request

WORKFLOW = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"


def openssl_text(pem: bytes) -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is required for this test (apt-get install openssl)")
    out = subprocess.run(
        [openssl, "x509", "-text", "-noout"], input=pem, capture_output=True, check=True
    )
    return out.stdout.decode()


def issued_text(ca: Chain, san_type: str, san_value: str, **extra: str) -> str:
    pre = build_precertificate(
        request(san_type, san_value, **extra),
        issuer=ca.intermediate,
        issuer_key=ca.intermediate_key,
        not_before=NOW,
    )
    final = finalize_certificate(
        pre, dummy_sct_list(), issuer=ca.intermediate, issuer_key=ca.intermediate_key
    )
    return openssl_text(final.public_bytes(Encoding.PEM))


def test_email_certificate(ca: Chain) -> None:
    text = issued_text(ca, "email", "alice@example.com")
    for expected in [
        "Subject: \n",
        "X509v3 Key Usage: critical\n                Digital Signature",
        "X509v3 Extended Key Usage: \n                Code Signing",
        "X509v3 Authority Key Identifier",
        "X509v3 Subject Alternative Name: critical\n                email:alice@example.com",
        # .1.1 raw: shown as the plain URL; .1.8 DER: openssl shows the 0C/len bytes as "..".
        f"1.3.6.1.4.1.57264.1.1: \n                {ISSUER}\n",
        f"1.3.6.1.4.1.57264.1.8: \n                ..{ISSUER}\n",
        "1.3.6.1.4.1.57264.1.24: \n                ..alice@example.com",
        "CT Precertificate SCTs",
        "Extensions: 00:00:05:00:00:00:00:00",  # static-ct-api leaf_index (§6.2 example)
        "Signature Algorithm: ecdsa-with-SHA384",
    ]:
        assert expected in text, f"{expected!r} not in\n{text}"
    assert "Subject Key Identifier" not in text
    assert "CT Precertificate Poison" not in text


def test_uri_certificate_with_ci_extensions(ca: Chain) -> None:
    text = issued_text(
        ca,
        "uri",
        WORKFLOW,
        **{
            "1.3.6.1.4.1.57264.1.9": WORKFLOW,
            "1.3.6.1.4.1.57264.1.11": "github-hosted",
            "1.3.6.1.4.1.57264.1.2": "push",
        },
    )
    assert f"X509v3 Subject Alternative Name: critical\n                URI:{WORKFLOW}" in text
    assert "1.3.6.1.4.1.57264.1.2: \n                push\n" in text
    # 0x0C then the length byte 73 ("I"): openssl prints printable bytes as themselves.
    assert f"1.3.6.1.4.1.57264.1.9: \n                .{chr(len(WORKFLOW))}{WORKFLOW}" in text
    # The length byte 13 is a carriage return, which openssl prints as it is.
    assert re.search(r"57264\.1\.11: \n +\.[\s\S]github-hosted\n", text)
    positions = [text.index(f"1.3.6.1.4.1.57264.1.{n}:") for n in (1, 2, 8, 9, 11, 24)]
    assert positions == sorted(positions)


def test_username_certificate(ca: Chain) -> None:
    text = issued_text(ca, "othername", "alice!example.com")
    assert (
        "X509v3 Subject Alternative Name: critical\n"
        "                othername: 1.3.6.1.4.1.57264.1.7::alice!example.com"
    ) in text


def test_precertificate_shows_the_poison(ca: Chain) -> None:
    pre = build_precertificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    assert "CT Precertificate Poison: critical" in openssl_text(pre.public_bytes(Encoding.PEM))
