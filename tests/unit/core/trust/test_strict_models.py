"""What we render parses with the strict ``sigstore_models`` models sigstore-python 4.5.1 uses.

``strict=True, extra="forbid"`` (sigstore-clients.md §2.1): an unknown key, a wrong type
or an unsupported media type is a ValidationError.
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from sigstore_models.trustroot import v1 as trustroot_v1
from tests.unit.core.trust.conftest import Material

from sigstack.core.trust import render


def test_client_trust_config_parses_strictly(material: Material) -> None:
    config = material.trust_config()
    parsed = trustroot_v1.ClientTrustConfig.from_json(render(config))
    assert len(parsed.trusted_root.tlogs) == 2
    assert parsed.trusted_root.tlogs[1].checkpoint_key_id == parsed.trusted_root.tlogs[1].log_id
    assert [s.major_api_version for s in parsed.signing_config.rekor_tlog_urls] == [2, 1]
    assert parsed.signing_config.tsa_config is not None
    assert parsed.signing_config.tsa_config.selector == trustroot_v1.ServiceSelector.ANY
    # Round trip: the model renders what we rendered (camelCase, same values).
    assert json.loads(parsed.to_json()) == config.to_json()


def test_trusted_root_and_signing_config_parse_alone(material: Material) -> None:
    config = material.trust_config()
    root = trustroot_v1.TrustedRoot.from_json(render(config.trusted_root))
    assert root.media_type == "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
    assert len(root.timestamp_authorities[0].cert_chain.certificates) == 3
    assert len(root.certificate_authorities[0].cert_chain.certificates) == 2
    signing = trustroot_v1.SigningConfig.from_json(render(config.signing_config))
    assert signing.media_type == "application/vnd.dev.sigstore.signingconfig.v0.2+json"
    assert all(s.operator == "sigstack" for s in signing.ca_urls)


def test_the_strict_model_would_catch_an_extra_key(material: Material) -> None:
    doc = material.trust_config().to_json()
    doc["trustedRoot"]["tlogs"][0]["extra"] = 1
    with pytest.raises(ValidationError, match="Extra inputs"):
        trustroot_v1.ClientTrustConfig.from_json(json.dumps(doc))
