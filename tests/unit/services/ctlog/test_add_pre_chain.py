"""add-pre-chain / add-chain over HTTP: SCTs that verify, and refusals that say why."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtensionOID
from starlette.testclient import TestClient

from sigstack.core.ct.sct import (
    SignedCertificateTimestamp,
    issuer_key_hash,
    precert_signed_data,
    sct_list_extension_value,
    verify_sct,
    x509_signed_data,
)
from sigstack.core.x509.precert import precert_tbs
from sigstack.services.ctlog import CTLog, CTLogSettings, create_app, open_ctlog
from tests.unit.services.ctlog._pki import PKI, b64_chain, der, leaf_builder
from tests.unit.services.ctlog.conftest import Clock


def _add(client: TestClient, *certs: x509.Certificate, path: str = "add-pre-chain") -> dict:  # type: ignore[type-arg]
    response = client.post(f"/ct/v1/{path}", json=b64_chain(*certs))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_sct_from_add_pre_chain_verifies_over_the_tbs_without_poison(
    client: TestClient, ctlog: CTLog, pki: PKI, clock: Clock
) -> None:
    precert = pki.precert()
    body = _add(client, precert, pki.inter, pki.root)
    assert set(body) == {"sct_version", "id", "timestamp", "extensions", "signature"}
    assert body["sct_version"] == 0
    assert base64.b64decode(body["id"]) == ctlog.log_id
    assert body["timestamp"] == int(clock.now.timestamp() * 1000)
    assert body["extensions"] == ""
    sct = SignedCertificateTimestamp.from_json(body)
    data = precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=issuer_key_hash(pki.inter),
        tbs_certificate=precert_tbs(precert),
    )
    verify_sct(sct, data, ctlog.public_key)
    assert ctlog.log.published.size == 1


def test_sct_embedded_in_the_final_certificate_verifies_as_clients_check_it(
    client: TestClient, ctlog: CTLog, pki: PKI
) -> None:
    """The final certificate = the precert without poison + the SCT list (spec §6.3)."""
    builder = leaf_builder(pki.inter, "carol@example.com", 77)
    precert = builder.add_extension(x509.PrecertPoison(), critical=True).sign(
        pki.inter_key, hashes.SHA256()
    )
    sct = SignedCertificateTimestamp.from_json(_add(client, precert, pki.inter))
    final = builder.add_extension(
        x509.UnrecognizedExtension(
            ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS, sct_list_extension_value([sct])
        ),
        critical=False,
    ).sign(pki.inter_key, hashes.SHA256())
    # What sigstore-python does: cryptography parses the SCT, TBS minus SCT list and poison.
    (parsed,) = final.extensions.get_extension_for_class(
        x509.PrecertificateSignedCertificateTimestamps
    ).value
    assert parsed.log_id == ctlog.log_id
    data = precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=issuer_key_hash(pki.inter),
        tbs_certificate=final.tbs_precertificate_bytes,
    )
    verify_sct(sct, data, ctlog.public_key)


def test_identical_resubmission_returns_the_existing_timestamp(
    client: TestClient, ctlog: CTLog, pki: PKI, clock: Clock
) -> None:
    precert = pki.precert()
    first = _add(client, precert, pki.inter)
    clock.now += timedelta(seconds=5)
    again = _add(client, precert, pki.inter, pki.root)  # with or without the root: one entry
    assert again["timestamp"] == first["timestamp"]
    assert ctlog.log.published.size == 1
    other = _add(client, pki.precert(serial=9), pki.inter)
    assert other["timestamp"] == first["timestamp"] + 5000
    assert ctlog.log.published.size == 2


def test_add_chain_logs_a_final_certificate(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    final = pki.final()
    sct = SignedCertificateTimestamp.from_json(_add(client, final, pki.inter, path="add-chain"))
    verify_sct(
        sct, x509_signed_data(timestamp=sct.timestamp, certificate_der=der(final)), ctlog.public_key
    )


def _refused(client: TestClient, body: object, path: str = "add-pre-chain") -> tuple[int, str]:
    response = client.post(f"/ct/v1/{path}", json=body)
    payload = response.json()
    assert payload["code"] == response.status_code
    return response.status_code, payload["message"]


def test_refuses_a_precert_without_poison(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    status, message = _refused(client, b64_chain(pki.final(), pki.inter))
    assert status == 400
    assert "chain[0] has no CT poison extension (1.3.6.1.4.1.11129.2.4.3)" in message
    assert "add-chain" in message
    assert ctlog.log.published.size == 0


def test_refuses_a_precert_at_add_chain(client: TestClient, pki: PKI) -> None:
    status, message = _refused(client, b64_chain(pki.precert(), pki.inter), "add-chain")
    assert (status, message) == (
        400,
        "chain[0] is a precertificate (it has the poison); use add-pre-chain",
    )


def test_refuses_a_precert_without_its_issuer(client: TestClient, pki: PKI) -> None:
    status, message = _refused(client, b64_chain(pki.precert()))
    assert (status, message) == (400, "add-pre-chain needs the precertificate's issuer as chain[1]")


def test_refuses_the_wrong_issuer(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    other = PKI.make("other")
    status, message = _refused(client, b64_chain(pki.precert(), other.inter, pki.root))
    assert status == 422
    assert (
        "chain[0] (serial 1 (empty subject)) was not issued by chain[1] (CN=other intermediate)"
        in message
    )
    assert ctlog.log.published.size == 0


def test_refuses_a_chain_to_an_unknown_root(client: TestClient, ctlog: CTLog) -> None:
    other = PKI.make("other")
    status, message = _refused(client, b64_chain(other.precert(), other.inter, other.root))
    assert status == 422
    assert (
        "chain ends at CN=other root, which neither is nor was issued by one of the log's 1 accepted roots"
        in message
    )
    assert ctlog.log.published.size == 0


def test_refuses_bad_base64(client: TestClient, pki: PKI) -> None:
    body = b64_chain(pki.precert(), pki.inter)
    body["chain"][1] = "not base64!"
    status, message = _refused(client, body)
    assert status == 400
    assert message.startswith("chain[1] is not valid base64")


def test_refuses_bytes_that_are_not_a_certificate(client: TestClient, pki: PKI) -> None:
    body = b64_chain(pki.precert(), pki.inter)
    body["chain"][1] = base64.b64encode(b"\x30\x03\x02\x01\x01").decode()
    status, message = _refused(client, body)
    assert status == 400
    assert message.startswith("chain[1] is not a DER X.509 certificate")


def test_refuses_a_body_without_a_chain(client: TestClient) -> None:
    assert _refused(client, {"certs": []}) == (
        400,
        'expected a JSON object {"chain": ["<base64 DER>", ...]}',
    )
    assert _refused(client, {"chain": []}) == (
        400,
        "chain is empty: expected the certificate, then its issuers",
    )


def test_refuses_invalid_json(client: TestClient) -> None:
    response = client.post("/ct/v1/add-pre-chain", content=b"{chain")
    assert response.status_code == 400
    assert response.json()["message"].startswith("request body is not valid JSON")


def test_refuses_an_oversized_body(tmp_path: Path, pki: PKI, clock: Clock) -> None:
    ctlog = open_ctlog(
        tmp_path,
        accepted_roots=[pki.root],
        settings=CTLogSettings(max_request_bytes=1000),
        clock=clock,
    )
    with TestClient(create_app(ctlog)) as client:
        response = client.post("/ct/v1/add-pre-chain", json=b64_chain(pki.precert(), pki.inter))
    assert response.status_code == 413
    assert response.json()["message"].endswith("the limit is 1000 bytes")


def test_required_eku_setting_refuses_other_certificates(
    tmp_path: Path, pki: PKI, clock: Clock
) -> None:
    settings = CTLogSettings(required_ekus=("1.3.6.1.5.5.7.3.1",))
    ctlog = open_ctlog(tmp_path, accepted_roots=[pki.root], settings=settings, clock=clock)
    with TestClient(create_app(ctlog)) as client:
        response = client.post("/ct/v1/add-pre-chain", json=b64_chain(pki.precert(), pki.inter))
    assert response.status_code == 400
    assert "extended key usage must include one of 1.3.6.1.5.5.7.3.1" in response.json()["message"]
