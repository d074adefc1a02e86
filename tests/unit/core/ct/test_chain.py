"""Chain checks before logging (RFC 6962 §3.1, §4.1), one test per refusal."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ObjectIdentifier
from tests.unit.services.ctlog._pki import PKI, ca_cert, der, leaf_builder

from sigstack.core.ct.chain import check_chain
from sigstack.core.ct.leaf import extra_data_precert, extra_data_x509, signed_entry_precert
from sigstack.core.ct.sct import issuer_key_hash
from sigstack.core.x509.precert import precert_tbs
from sigstack.errors import FormatError, UnsupportedError, VerificationError

PKI_ = PKI.make()


def test_precert_chain_without_root_is_completed_with_the_accepted_root() -> None:
    precert = PKI_.precert()
    checked = check_chain([precert, PKI_.inter], [PKI_.root], precert=True)
    assert checked.precert
    assert checked.issuer_key_hash == issuer_key_hash(PKI_.inter)
    assert checked.entry_bytes == precert_tbs(precert)
    assert checked.signed_entry == signed_entry_precert(
        issuer_key_hash(PKI_.inter), precert_tbs(precert)
    )
    assert checked.extra_data == extra_data_precert(der(precert), [der(PKI_.inter), der(PKI_.root)])
    with_root = check_chain([precert, PKI_.inter, PKI_.root], [PKI_.root], precert=True)
    assert with_root == checked
    assert with_root.dedup_key == checked.dedup_key


def test_final_certificate_chain() -> None:
    final = PKI_.final()
    checked = check_chain([final, PKI_.inter, PKI_.root], [PKI_.root], precert=False)
    assert not checked.precert and checked.entry_bytes == der(final)
    assert checked.extra_data == extra_data_x509([der(PKI_.inter), der(PKI_.root)])


def test_refuses_an_empty_chain() -> None:
    with pytest.raises(FormatError, match="chain is empty"):
        check_chain([], [PKI_.root], precert=True)


def test_refuses_a_non_critical_poison() -> None:
    precert = (
        leaf_builder(PKI_.inter, "a@example.com", 5)
        .add_extension(x509.PrecertPoison(), critical=False)
        .sign(PKI_.inter_key, hashes.SHA256())
    )
    with pytest.raises(FormatError, match="poison extension must be critical"):
        check_chain([precert, PKI_.inter], [PKI_.root], precert=True)


def test_refuses_a_precert_signing_certificate() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(PKI_.inter.subject)
        .public_key(key.public_key())
        .serial_number(9)
        .not_valid_before(PKI_.inter.not_valid_before_utc)
        .not_valid_after(PKI_.inter.not_valid_after_utc)
        .add_extension(
            x509.ExtendedKeyUsage([ObjectIdentifier("1.3.6.1.4.1.11129.2.4.4")]), critical=True
        )
        .sign(PKI_.inter_key, hashes.SHA256())
    )
    precert = (
        leaf_builder(signer, "a@example.com", 6)
        .add_extension(x509.PrecertPoison(), critical=True)
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(UnsupportedError, match="Precertificate Signing Certificate"):
        check_chain([precert, signer, PKI_.inter], [PKI_.root], precert=True)


def test_refuses_a_broken_link_above_the_leaf() -> None:
    other = PKI.make("other")
    with pytest.raises(
        VerificationError, match=r"chain\[1\] \(CN=test intermediate\) was not issued by chain\[2\]"
    ):
        check_chain([PKI_.precert(), PKI_.inter, other.root], [PKI_.root], precert=True)


def test_refuses_a_name_match_with_the_wrong_key() -> None:
    """An intermediate with the right name but another key does not link."""
    impostor_key = ec.generate_private_key(ec.SECP256R1())
    impostor = ca_cert("test intermediate", impostor_key, (PKI_.root, PKI_.root_key))
    with pytest.raises(VerificationError, match=r"chain\[0\] .* was not issued by chain\[1\]"):
        check_chain([PKI_.precert(), impostor], [PKI_.root], precert=True)


def test_leaf_directly_under_an_accepted_root() -> None:
    leaf = leaf_builder(PKI_.root, "r@example.com", 8).sign(PKI_.root_key, hashes.SHA256())
    checked = check_chain([leaf], [PKI_.root], precert=False)
    assert checked.extra_data == extra_data_x509([der(PKI_.root)])


def test_required_eku_accepts_code_signing_and_refuses_others() -> None:
    code_signing = ObjectIdentifier("1.3.6.1.5.5.7.3.3")
    check_chain(
        [PKI_.precert(), PKI_.inter], [PKI_.root], precert=True, required_ekus=[code_signing]
    )
    server_auth = ObjectIdentifier("1.3.6.1.5.5.7.3.1")
    with pytest.raises(
        FormatError,
        match=r"extended key usage must include one of 1\.3\.6\.1\.5\.5\.7\.3\.1; it has 1\.3\.6\.1\.5\.5\.7\.3\.3",
    ):
        check_chain(
            [PKI_.precert(), PKI_.inter], [PKI_.root], precert=True, required_ekus=[server_auth]
        )
