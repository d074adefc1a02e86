"""The read-only Fulcio endpoints: trust bundle, configuration, root cert, health."""

from __future__ import annotations

from cryptography import x509

from tests.unit.services.ca.conftest import EMAIL_ISSUER, SPIFFE_ISSUER, CAHarness


def test_trust_bundle_is_the_chain(ca: CAHarness) -> None:
    r = ca.client.get("/api/v2/trustBundle")
    assert r.status_code == 200
    (chain,) = r.json()["chains"]
    certs = [x509.load_pem_x509_certificate(p.encode()) for p in chain["certificates"]]
    assert certs == ca.service.ca.chain


def test_root_cert_is_pem(ca: CAHarness) -> None:
    r = ca.client.get("/api/v1/rootCert")
    assert r.headers["content-type"].startswith("application/pem-certificate-chain")
    assert x509.load_pem_x509_certificates(r.content) == ca.service.ca.chain


def test_configuration_lists_issuers_with_their_challenge_claim(ca: CAHarness) -> None:
    issuers = ca.client.get("/api/v2/configuration").json()["issuers"]
    by_url = {i.get("issuerUrl") or i.get("wildcardIssuerUrl"): i for i in issuers}
    assert by_url[EMAIL_ISSUER]["challengeClaim"] == "email"
    assert by_url[EMAIL_ISSUER]["audience"] == "sigstore"
    assert by_url[SPIFFE_ISSUER] == {
        "issuerUrl": SPIFFE_ISSUER,
        "audience": "sigstore",
        "challengeClaim": "sub",
        "spiffeTrustDomain": "example.net",
        "issuerType": "spiffe",
        "subjectDomain": "",
        "skipEmailVerification": False,
    }
    assert "https://token.actions.githubusercontent.com/*" in by_url


def test_healthz_and_ct_routes(ca: CAHarness) -> None:
    assert ca.client.get("/healthz").json() == {"status": "ok"}
    assert ca.client.get("/ct/v1/get-sth").status_code == 200
    assert ca.client.get("/ct/v1/get-roots").status_code == 200


def test_cors_is_open_as_fulcio_default(ca: CAHarness) -> None:
    r = ca.client.options(
        "/api/v2/signingCert",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    r = ca.client.get("/api/v2/trustBundle", headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "*"
