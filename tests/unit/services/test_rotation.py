"""Key rotation: the record in ``trust_history.json`` → the rendered trust files.

Old entries closed at the rotation time, new ones opened then, log IDs of the right
keys, deterministic rendering, TUF republished, ``trust show`` rows, refusals.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.cli.main import main
from sigstack.cli.trust import trust_rows
from sigstack.clock import utc_now
from sigstack.core.note.signed_note import ed25519_key_id
from sigstack.core.trust import rfc3339
from sigstack.errors import FormatError
from sigstack.services.stack import TRUST_FILES, open_stack
from sigstack.services.stack.rotation import load_history, retire


def _open(data: Path, at: datetime | None = None) -> Any:
    return open_stack(data, host="127.0.0.1", port=8080, clock=lambda: at or utc_now())


def _root(data: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((data / "trusted_root.json").read_text())
    return doc


def _spki_id(pem: bytes) -> str:
    der = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def test_rotation_record_renders_closed_and_open_entries(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = utc_now().replace(microsecond=0) - timedelta(minutes=5)
    before = _open(data, created)
    old_v1, old_v2 = before.logs.v1.identity, before.logs.v2.identity
    old_ca = before.ca.ca.chain
    tuf_before = json.loads((data / "tuf" / "repository" / "timestamp.json").read_text())["signed"][
        "version"
    ]
    now = created + timedelta(minutes=1)
    for service in ("ca", "log", "tsa"):
        retire(data, service, now, old_v2.origin)
    after = _open(data, now)
    root = _root(data)
    at, created_at = rfc3339(now), rfc3339(created)

    # CA: the old chain closed at the rotation, the new one (distinct subject) open from it.
    old, new = root["certificateAuthorities"]
    assert old["validFor"] == {"start": created_at, "end": at}
    assert new["validFor"] == {"start": at}
    der = [base64.b64decode(c["rawBytes"]) for c in old["certChain"]["certificates"]]
    assert der == [c.public_bytes(serialization.Encoding.DER) for c in old_ca]
    assert after.ca.ca.chain[0].subject != old_ca[0].subject
    assert new["subject"]["commonName"] == "sigstack root 2"

    # Logs: v1 logId = SHA-256(SPKI), v2 logId = checkpointKeyId = C2SP id of the origin.
    v1_old, v1_new, v2_old, v2_new = root["tlogs"]
    assert v1_old["logId"]["keyId"] == _spki_id(old_v1.public_key_pem)
    assert v1_new["logId"]["keyId"] == _spki_id(after.logs.v1.identity.public_key_pem)
    assert v1_old["logId"] != v1_new["logId"]
    assert base64.b64decode(v2_old["logId"]["keyId"]) == old_v2.log_id
    assert base64.b64decode(v2_new["checkpointKeyId"]["keyId"]) == after.logs.v2.identity.log_id
    raw = serialization.load_pem_public_key(old_v2.public_key_pem).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert old_v2.log_id == ed25519_key_id(old_v2.origin, raw)
    for entry, window in ((v1_old, {"end": at}), (v2_new, {})):
        assert entry["publicKey"]["validFor"] == {
            "start": created_at if window else at,
            **window,
        }
    assert after.logs.v1.identity.origin == old_v1.origin  # the trees continue

    # TSA: two chains, leaf first; the CT log is not rotated.
    tsa_old, tsa_new = root["timestampAuthorities"]
    assert tsa_old["validFor"] == {"start": created_at, "end": at}
    assert tsa_new["validFor"] == {"start": at}
    assert len(root["ctlogs"]) == 1

    # Every trust file agrees; TUF published the new targets.
    config = json.loads((data / "trust_config.json").read_text())
    assert config["trustedRoot"] == root
    tuf_after = json.loads((data / "tuf" / "repository" / "timestamp.json").read_text())["signed"][
        "version"
    ]
    assert tuf_after > tuf_before
    history = load_history(data)
    assert history.current == {"ca": at, "log": at, "tsa": at}
    assert [r.kind for r in history.retired] == ["ca", "rekor-v1", "rekor-v2", "tsa"]


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = utc_now().replace(microsecond=0) - timedelta(minutes=5)
    stack = _open(data, created)
    retire(data, "log", created + timedelta(minutes=1), stack.logs.v2.identity.origin)
    _open(data)
    files = {name: (data / name).read_bytes() for name in TRUST_FILES}
    _open(data)
    assert {name: (data / name).read_bytes() for name in TRUST_FILES} == files


def test_refusals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with pytest.raises(FormatError, match="holds no stack"):
        retire(data, "ca", utc_now(), None)
    now = utc_now()
    _open(data, now - timedelta(minutes=1))
    with pytest.raises(FormatError, match="cannot rotate"):
        retire(data, "oidc", now, None)
    retire(data, "ca", now, None)
    with pytest.raises(FormatError, match="wait a second"):
        retire(data, "ca", now, None)


def test_rotate_cli_refuses_a_running_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _open(data, utc_now() - timedelta(minutes=1))
    monkeypatch.setattr("sigstack.services.stack.rotation.probe_running", lambda url: True)
    assert main(["rotate", "ca", "--data-dir", str(data)]) == 1
    assert "stop `sigstack up` first" in capsys.readouterr().err
    assert not load_history(data).retired
    monkeypatch.undo()
    assert main(["rotate", "ca", "--data-dir", str(data)]) == 0
    assert "Restart `sigstack up`" in capsys.readouterr().out
    assert len(_root(data)["certificateAuthorities"]) == 2


def test_trust_show_rows_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    stack = _open(data, utc_now() - timedelta(minutes=1))
    retire(data, "ca", utc_now(), stack.logs.v2.identity.origin)
    _open(data)
    rows = trust_rows(json.loads((data / "trust_config.json").read_text()), utc_now())
    services = [r["service"] for r in rows]
    assert services == ["CA", "CA", "Rekor v1", "Rekor v2", "CT log", "TSA", "OIDC"]
    assert [r["current"] for r in rows[:2]] == [False, True]
    assert rows[2]["keyId"] == stack.logs.v1.identity.log_id.hex()
    assert main(["trust", "show", "--data-dir", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(rows))
    assert main(["trust", "show", "--data-dir", str(data)]) == 0
    table = capsys.readouterr().out
    assert "Rekor v2" in table and "* = valid now" in table
    cert = x509.load_der_x509_certificate(
        base64.b64decode(
            _root(data)["certificateAuthorities"][1]["certChain"]["certificates"][0]["rawBytes"]
        )
    )
    assert (
        rows[1]["keyId"]
        == "sha256:" + hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    )
