"""``sigstack trust show``: what the trust root of a data directory holds, as a table.

One row per key: the service (CA, Rekor v1, Rekor v2, CT log, TSA, OIDC), its key ID
(log ID, or the SHA-256 fingerprint of the CA's / TSA's first certificate), key type,
validity window, and ``*`` on the entries valid now. ``--json`` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sigstack.cli._common import default_data_dir
from sigstack.clock import utc_now
from sigstack.errors import StorageError

__all__ = ["register", "trust_rows"]

_COLUMNS = ("current", "service", "keyId", "keyType", "start", "end", "url")


def register(commands: Any) -> None:
    """Add ``trust show``."""
    trust = commands.add_parser("trust", help="inspect the trust root of a data directory")
    sub = trust.add_subparsers(dest="trust_command", metavar="COMMAND", required=True)
    show = sub.add_parser("show", help="services, keys and validity windows of the trust root")
    show.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="state directory (default $SIGSTACK_HOME or ~/.sigstack)",
    )
    show.add_argument("--json", action="store_true", help="print the rows as JSON")
    show.set_defaults(handler=_show)


def _cert_type(der: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = x509.load_der_x509_certificate(der).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    return type(key).__name__


def _is_current(valid: dict[str, str], now: datetime) -> bool:
    start = datetime.fromisoformat(valid["start"].replace("Z", "+00:00"))
    end = valid.get("end")
    return start <= now and (
        end is None or now < datetime.fromisoformat(end.replace("Z", "+00:00"))
    )


def trust_rows(config: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The rows of ``sigstack trust show`` for a ClientTrustConfig document."""
    root, signing = config["trustedRoot"], config["signingConfig"]
    rows: list[dict[str, Any]] = []

    def log_row(service: str, log: dict[str, Any]) -> None:
        valid = log["publicKey"]["validFor"]
        rows.append({
            "service": service, "keyId": base64.b64decode(log["logId"]["keyId"]).hex(),
            "keyType": log["publicKey"]["keyDetails"], "start": valid["start"],
            "end": valid.get("end"), "url": log["baseUrl"], "current": _is_current(valid, now),
        })  # fmt: skip

    def ca_row(service: str, ca: dict[str, Any], cert_index: int) -> None:
        der = base64.b64decode(ca["certChain"]["certificates"][cert_index]["rawBytes"])
        valid = ca["validFor"]
        rows.append({
            "service": service, "keyId": "sha256:" + hashlib.sha256(der).hexdigest(),
            "keyType": _cert_type(der), "start": valid["start"], "end": valid.get("end"),
            "url": ca.get("uri"), "current": _is_current(valid, now),
        })  # fmt: skip

    for ca in root["certificateAuthorities"]:
        ca_row("CA", ca, 0)
    for log in root["tlogs"]:
        log_row("Rekor v2" if "checkpointKeyId" in log else "Rekor v1", log)
    for log in root["ctlogs"]:
        log_row("CT log", log)
    for tsa in root["timestampAuthorities"]:
        ca_row("TSA", tsa, 0)
    for oidc in signing["oidcUrls"]:
        valid = oidc["validFor"]
        rows.append({
            "service": "OIDC", "keyId": "-", "keyType": "(JWKS at the issuer)",
            "start": valid["start"], "end": valid.get("end"), "url": oidc["url"],
            "current": _is_current(valid, now),
        })  # fmt: skip
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any], column: str) -> str:
        if column == "current":
            return "*" if row["current"] else ""
        value = row[column]
        if column == "keyId" and isinstance(value, str) and len(value) > 24:
            value = value[:24] + "…"
        return "-" if value is None else str(value)

    headers = ("", "SERVICE", "KEY ID", "KEY TYPE", "VALID FROM", "VALID UNTIL", "URL")
    table = [headers, *[tuple(cell(r, c) for c in _COLUMNS) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in table]
    return "\n".join(line.rstrip() for line in lines) + "\n* = valid now"


def _show(args: argparse.Namespace) -> int:
    data_dir = (args.data_dir or default_data_dir()).resolve()
    path = data_dir / "trust_config.json"
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise StorageError(f"{path} does not exist: run `sigstack up` on {data_dir} first") from exc
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc
    rows = trust_rows(config, utc_now())
    print(json.dumps(rows, indent=2) if args.json else _table(rows))
    return 0
