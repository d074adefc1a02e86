"""The signer's SCT check (sigstore-clients.md §4.4), named after the mutation it refuses."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.errors import FormatError, SignatureError
from sigstack.sign._sct import check_embedded_sct
from tests.unit.sign.fakes import ca_chain, issue, read_chain, trusted


def _public() -> object:
    return ec.generate_private_key(ec.SECP256R1()).public_key()


def test_sct_by_a_trusted_key_passes() -> None:
    check_embedded_sct(read_chain(issue(_public())), trusted("other", "trusted"))


def test_sct_by_an_untrusted_key_is_refused() -> None:
    with pytest.raises(SignatureError, match="verifies with no trusted CT log key"):
        check_embedded_sct(read_chain(issue(_public(), log_keys=("other",))), trusted())


def test_no_trusted_key_is_refused() -> None:
    with pytest.raises(SignatureError, match="no CT log key"):
        check_embedded_sct(read_chain(issue(_public())), [])


def test_two_scts_are_refused() -> None:
    chain = issue(_public(), log_keys=("trusted", "other"))
    with pytest.raises(SignatureError, match="expected one embedded SCT, found 2"):
        check_embedded_sct(read_chain(chain), trusted())


def test_wrong_issuer_in_the_chain_is_refused() -> None:
    leaf, _, root = issue(_public())
    with pytest.raises(SignatureError, match="verifies with no trusted CT log key"):
        check_embedded_sct(read_chain([leaf, root]), trusted())


def test_leaf_without_sct_is_refused() -> None:
    root, inter, _ = ca_chain()
    with pytest.raises(SignatureError, match="no embedded SCT"):
        check_embedded_sct(read_chain([inter, root]), trusted())


def test_chain_of_one_is_a_format_error() -> None:
    leaf = issue(_public())[0]
    with pytest.raises(FormatError, match="expected a chain of at least 2, found 1"):
        check_embedded_sct(read_chain([leaf]), trusted())
