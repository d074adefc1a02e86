"""Where to sign and what to trust: :class:`SigningContext` (sigstore-clients.md §2.5, §6.6).

Built from a ``ClientTrustConfig`` (``sigstack up`` writes ``DATA/trust_config.json``) or
from a trusted root plus a signing config, the way sigstore-python selects services
(:func:`sigstack.core.trust.signing_config.select`): the CA is ``caUrls`` selection
``[0]``, the log ``rekorTlogUrls`` selection ``[0]`` (Rekor v2 preferred over v1 within an
operator unless ``rekor_version`` forces one), and every selected TSA is asked. With
Rekor v2 at least one TSA is required (§6.6).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Self

from sigstack.core.trust.parse import parse_trusted_root
from sigstack.core.trust.signing_config import parse_signing_config, select
from sigstack.errors import FormatError
from sigstack.sign._trust import CTKey, ct_keys

__all__ = ["SigningContext"]


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {value!r:.60}", field=field)
    return value


class _Services(NamedTuple):
    ca_url: str
    rekor_url: str
    rekor_version: int  # 1 or 2
    tsa_urls: Sequence[str]
    ct_keys: Sequence[CTKey]
    oidc_url: str | None = None  # the identity provider to ask for a token (``oidcUrls``)


class SigningContext(_Services):
    """The services to sign with and the CT log keys their certificates must be logged by.

    An immutable ``NamedTuple`` record (a start-up-path value, docs/adr/0005-start-up-path.md)
    whose constructor refuses a Rekor version other than 1 or 2, and Rekor v2 without a TSA.
    """

    __slots__ = ()

    def __new__(
        cls,
        *,
        ca_url: str,
        rekor_url: str,
        rekor_version: int,
        tsa_urls: Sequence[str],
        ct_keys: Sequence[CTKey],
        oidc_url: str | None = None,
    ) -> Self:
        if rekor_version not in (1, 2):
            raise FormatError(
                f"expected Rekor major version 1 or 2, found {rekor_version}",
                field="rekorTlogUrls",
            )
        if rekor_version == 2 and not tsa_urls:
            raise FormatError(
                "signing with Rekor v2 needs a timestamp authority (a v2 entry carries no "
                "signed time), and the signing config selects none: add a tsaUrls service",
                field="tsaUrls",
            )
        return super().__new__(cls, ca_url, rekor_url, rekor_version, tsa_urls, ct_keys, oidc_url)

    @classmethod
    def from_trust_config(
        cls, document: Mapping[str, Any], *, now: datetime, rekor_version: int | None = None
    ) -> SigningContext:
        """From a parsed ``ClientTrustConfig`` JSON document (§2.1)."""
        return cls.from_parts(
            _object(document.get("trustedRoot"), "trustedRoot"),
            _object(document.get("signingConfig"), "signingConfig"),
            now=now,
            rekor_version=rekor_version,
        )

    @classmethod
    def from_parts(
        cls,
        trusted_root: Mapping[str, Any],
        signing_config: Mapping[str, Any],
        *,
        now: datetime,
        rekor_version: int | None = None,
    ) -> SigningContext:
        """From a parsed ``TrustedRoot`` and ``SigningConfig`` (§2.3, §2.5) at ``now``."""
        chosen = select(parse_signing_config(signing_config), now, rekor_version=rekor_version)
        return cls(
            ca_url=chosen.ca.url.rstrip("/"),
            rekor_url=chosen.tlogs[0].url.rstrip("/"),
            rekor_version=chosen.tlogs[0].major_api_version,
            tsa_urls=tuple(t.url.rstrip("/") for t in chosen.tsas),
            ct_keys=tuple(ct_keys(parse_trusted_root(json.dumps(trusted_root)))),
            oidc_url=chosen.oidc.url.rstrip("/") if chosen.oidc else None,
        )
