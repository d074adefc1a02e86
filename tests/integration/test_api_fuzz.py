"""Fuzz the log's HTTP API from its own ``/openapi.json`` (schemathesis, live server).

A real ``sigstack serve log`` (the ``live_log`` fixture) first gets genuine entries on
both APIs, so reads find something and 200/201/409 answers are checked too; then the
schemathesis engine runs its examples, coverage and fuzzing phases (valid and invalid
inputs) over every operation of the document the server itself serves. Checks: never
a 5xx; status codes, content types, headers and bodies as declared; and inputs the
document calls invalid are refused with a 4xx.

Reproducible: fixed seed, derandomized Hypothesis, no example database. The fuzzing
phase is bounded to ``MAX_EXAMPLES`` cases per operation (the coverage phase is
deterministic), so the file runs in well under 90 s on two cores.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.engine import Status, events, from_schema
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from sigstack.clock import utc_now
from sigstack.services.tlog.app import create_app, open_logs
from sigstack.services.tlog.openapi import openapi_document
from sigstack.services.tlog.settings import LogSettings
from tests.integration.conftest import LiveLog

MAX_EXAMPLES = 40
SEED = 20260901

# Left out: positive_data_acceptance (a well-formed entry with a made-up signature is
# rightly refused with 400) and unsupported_method (GET .../entries/retrieve reaches the
# .../entries/{uuid} lookup and answers 400 "not a UUID", as Rekor does, not 405).
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    allow_header_conformance,
    missing_required_header,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "request-timeout": 30,
        "output": {"sanitization": {"enabled": False}},
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "checks": {
            "enabled": False,
            **{check.__name__: {"enabled": True} for check in CHECKS},
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


# -- genuine entries ------------------------------------------------------------------------


def _signed_digest(key: ec.EllipticCurvePrivateKey, n: int) -> tuple[bytes, bytes]:
    digest = hashlib.sha256(b"sigstack fuzz artifact %d" % n).digest()
    return digest, key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def _v1_entry(key: ec.EllipticCurvePrivateKey, n: int) -> dict[str, Any]:
    digest, sig = _signed_digest(key, n)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {
                "content": base64.b64encode(sig).decode(),
                "publicKey": {"content": base64.b64encode(pem).decode()},
            },
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        },
    }


def _v2_entry(key: ec.EllipticCurvePrivateKey, n: int) -> dict[str, Any]:
    digest, sig = _signed_digest(key, n)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "hashedRekordRequestV002": {
            "digest": base64.b64encode(digest).decode(),
            "signature": {
                "content": base64.b64encode(sig).decode(),
                "verifier": {
                    "publicKey": {"rawBytes": base64.b64encode(der).decode()},
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                },
            },
        }
    }


def _load(url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(url + "/openapi.json", config=CONFIG)


def _operation(schema: schemathesis.BaseSchema, path: str, method: str) -> Any:
    return schema[path][method]


def _seed(log: LiveLog) -> None:
    """Log three entries on each API through schemathesis cases, then read them back.

    Every response is checked like a fuzzed one: 201 and 409 (with their headers) on
    both write APIs, and a 200 from each read operation.
    """
    schema = _load(log.url)
    key = ec.generate_private_key(ec.SECP256R1())
    create_v1 = _operation(schema, "/api/v1/log/entries", "POST")
    create_v2 = _operation(schema, "/api/v2/log/entries", "POST")
    entry_ids: list[str] = []
    for n in range(3):
        for operation, body in ((create_v1, _v1_entry(key, n)), (create_v2, _v2_entry(key, n))):
            created = operation.Case(body=body).call_and_validate(checks=CHECKS)
            assert created.status_code == 201, created.text
            again = operation.Case(body=body).call_and_validate(checks=CHECKS)
            assert again.status_code == 409, again.text
            if operation is create_v1:
                entry_ids.append(created.headers["etag"][0])
    pem = _v1_entry(key, 0)["spec"]["signature"]["publicKey"]["content"]
    reads: list[tuple[str, str, dict[str, Any]]] = [
        ("/api/v1/log", "GET", {}),
        ("/api/v1/log/publicKey", "GET", {}),
        ("/api/v1/log/checkpoint", "GET", {"query": {"size": 2}}),
        ("/api/v1/log/proof", "GET", {"query": {"firstSize": 1, "lastSize": 3}}),
        ("/api/v1/log/entries", "GET", {"query": {"logIndex": 2}}),
        ("/api/v1/log/entries/{uuid}", "GET", {"path_parameters": {"uuid": entry_ids[0]}}),
        ("/api/v1/log/entries/{uuid}", "GET", {"path_parameters": {"uuid": entry_ids[1][16:]}}),
        ("/api/v1/log/entries/retrieve", "POST", {"body": {"entries": [_v1_entry(key, 1)]}}),
        (
            "/api/v1/log/entries/retrieve/",
            "POST",
            {"body": {"logIndexes": [0, 2], "entryUUIDs": entry_ids[2:]}},
        ),
        ("/api/v1/index/retrieve", "POST", {"body": {"publicKey": {"content": pem}}}),
        ("/api/v2/checkpoint", "GET", {}),
        ("/api/v2/tile/{rest}", "GET", {"path_parameters": {"rest": "0/000.p/3"}}),
        ("/api/v2/tile/{rest}", "GET", {"path_parameters": {"rest": "entries/000.p/3"}}),
    ]
    for path, method, case_args in reads:
        operation = _operation(schema, path, method)
        response = operation.Case(**case_args).call_and_validate(checks=CHECKS)
        assert response.status_code == 200, (path, response.text)
        if path == "/api/v1/index/retrieve":
            assert sorted(response.json()) == sorted(entry_ids), response.text


def _fuzz(schema: Any) -> tuple[int, list[str]]:
    """Run the engine over every operation: (cases sent, failure reports)."""
    cases = 0
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{event.recorder.label} [{event.phase}] {check.name}: "
                            f"{failure.title}\n{failure.message}\n"
                            f"{check.failure_info.code_sample[:2000]}"
                        )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal error {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            failures.extend(f"{failure.title}: {failure.message}" for failure in event.failures)
    return cases, failures


@pytest.mark.slow
def test_api_fuzz(live_log: LiveLog) -> None:
    _seed(live_log)
    schema = _load(live_log.url)
    cases, failures = _fuzz(schema)
    assert not failures, f"{len(failures)} failures in {cases} cases:\n\n" + "\n\n".join(
        sorted(set(failures))[:20]
    )
    operations = sum(1 for _ in schema.get_all_operations())
    assert cases >= operations * MAX_EXAMPLES // 2, f"only {cases} cases were sent"
    health = httpx.get(live_log.url + "/healthz").json()
    assert health["rekorV1TreeSize"] == 3 and health["rekorV2TreeSize"] == 3, health


# Query values the fuzzer's generators rarely produce, which once answered 500 or were
# accepted though malformed; and the null case the fuzzer found (null counts as absent).
REGRESSIONS = [
    ("GET", "/api/v1/log/entries?logIndex=%C2%B2", None, 400),  # "²".isdigit() is True
    ("GET", "/api/v1/log/entries?logIndex=" + "9" * 5000, None, 400),  # int() digit limit
    ("GET", "/api/v1/log/entries?logIndex=9223372036854775808", None, 400),
    ("GET", "/api/v1/log/checkpoint?size=%D9%A3", None, 400),  # Arabic-Indic digit 3
    ("GET", "/api/v1/log/proof?lastSize=%C2%B9", None, 400),
    ("GET", "/api/v1/log/entries/" + "a" * 64 + "%0A", None, 400),  # "$" matched before \n
    ("POST", "/api/v1/index/retrieve", {"hash": "a" * 64 + "\n"}, 400),
    ("POST", "/api/v1/index/retrieve", {"hash": None}, 400),  # null is absent: no key
]


def test_regressions(live_log: LiveLog) -> None:
    with httpx.Client(base_url=live_log.url) as client:
        for method, url, body, status in REGRESSIONS:
            response = client.request(method, url, json=body)
            assert response.status_code == status, (method, url, response.text)
            assert response.json()["code"] == status
        # GET and POST were two routes: the 405 named only the first one's method.
        response = client.request("OPTIONS", "/api/v1/log/entries")
        assert response.status_code == 405
        assert {"GET", "POST"} <= {m.strip() for m in response.headers["allow"].split(",")}


# -- the document itself ----------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3() -> None:
    doc = openapi_document()
    assert doc["openapi"].startswith("3.0.")
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len({op.definition.raw["operationId"] for op in operations}) == len(operations)


def _openapi_path(route_path: str) -> str:
    """Starlette ``/tile/{rest:path}`` → OpenAPI ``/tile/{rest}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route_path)


def test_every_route_is_documented(tmp_path: Path) -> None:
    logs = open_logs(tmp_path, "127.0.0.1:0", LogSettings(), utc_now)
    app = create_app(logs)
    logs.v1.storage.close()
    logs.v2.storage.close()
    served = set()
    for route in app.routes:
        assert isinstance(route, Route), route
        for method in route.methods or ():
            if method != "HEAD":  # Starlette adds HEAD to every GET route
                served.add((_openapi_path(route.path), method.lower()))
    documented = {
        (path, method) for path, item in openapi_document()["paths"].items() for method in item
    }
    assert served == documented


def test_live_document_is_the_module_document(live_log: LiveLog) -> None:
    response = httpx.get(live_log.url + "/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == openapi_document()
