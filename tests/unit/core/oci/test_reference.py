"""Image references normalised as docker does (distribution ``reference/normalize.go``).

The valid cases are the examples of docker's own documentation (``docker pull``,
``docker image tag``: ``ubuntu``, ``fedora/httpd:version1.0``,
``myregistryhost:5000/fedora/httpd:version1.0``) and of distribution's
``normalize_test.go`` (``docker.io/library/…``, ``index.docker.io``, ``localhost``,
uppercase first components); the registry of Hub images is spelled ``index.docker.io``,
as go-containerregistry and cosign spell it.
"""

from __future__ import annotations

import pytest

from sigstack.core.oci import parse_reference
from sigstack.errors import FormatError, UnsupportedError

D = "sha256:" + "ab" * 32

NORMALISED = [
    ("ubuntu", "index.docker.io/library/ubuntu:latest"),
    ("ubuntu:22.04", "index.docker.io/library/ubuntu:22.04"),
    ("library/ubuntu", "index.docker.io/library/ubuntu:latest"),
    ("docker.io/ubuntu", "index.docker.io/library/ubuntu:latest"),
    ("docker.io/library/ubuntu", "index.docker.io/library/ubuntu:latest"),
    ("index.docker.io/ubuntu", "index.docker.io/library/ubuntu:latest"),
    ("fedora/httpd:version1.0", "index.docker.io/fedora/httpd:version1.0"),
    ("myregistryhost:5000/fedora/httpd:version1.0", "myregistryhost:5000/fedora/httpd:version1.0"),
    ("localhost/foo", "localhost/foo:latest"),
    ("localhost:5000/foo/bar", "localhost:5000/foo/bar:latest"),
    ("127.0.0.1:5000/foo", "127.0.0.1:5000/foo:latest"),
    ("[::1]:5000/foo", "[::1]:5000/foo:latest"),
    ("Foo/bar", "Foo/bar:latest"),  # an uppercase first component is a host
    ("gcr.io/a/b/c", "gcr.io/a/b/c:latest"),
    ("a.b/foo__bar-baz.qux", "a.b/foo__bar-baz.qux:latest"),
    ("a.b/foo---bar", "a.b/foo---bar:latest"),
    (f"ubuntu@{D}", f"index.docker.io/library/ubuntu@{D}"),
    (f"registry.example.com/org/app:v1@{D}", f"registry.example.com/org/app:v1@{D}"),
    ("ubuntu:_under", "index.docker.io/library/ubuntu:_under"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISED)
def test_normalised_like_docker(text: str, expected: str) -> None:
    assert str(parse_reference(text)) == expected


def test_parts_of_a_full_reference() -> None:
    ref = parse_reference(f"localhost:5000/team/app:v1@{D}")
    assert (ref.registry, ref.repository, ref.tag, str(ref.digest)) == (
        "localhost:5000", "team/app", "v1", D,
    )  # fmt: skip
    assert ref.name == "localhost:5000/team/app"
    assert ref.identifier == D  # the digest wins over the tag for fetching


def test_tag_only_identifier_and_with_digest() -> None:
    ref = parse_reference("ubuntu")
    assert (ref.tag, ref.digest, ref.identifier) == ("latest", None, "latest")
    pinned = ref.with_digest(parse_reference(f"x@{D}").digest)  # type: ignore[arg-type]
    assert str(pinned) == f"index.docker.io/library/ubuntu:latest@{D}"


INVALID = [
    ("", "found nothing"),
    ("Ubuntu", "must be lowercase"),
    ("docker.io/Ubuntu", "must be lowercase"),
    ("ubuntu:", "expected a tag"),
    ("ubuntu:-x", "expected a tag"),
    ("ubuntu:" + "x" * 129, "expected a tag"),
    (":latest", "expected a repository"),
    ("-ubuntu", "expected a repository"),
    ("ubuntu-", "expected a repository"),
    ("a.b/foo___bar", "expected a repository"),
    ("a.b/foo//bar", "expected a repository"),
    ("a.b/", "expected a repository"),
    ("localhost:abc/foo", "expected a registry host"),
    ("foo_bar.com:8080/x", "expected a registry host"),
    ("-a.com/x", "expected a registry host"),
    ("ubuntu@sha256:abc", "64 lowercase hex"),
    ("ubuntu@sha256:" + "AB" * 32, "64 lowercase hex"),
    ("ubuntu@" + "ab" * 32, "algorithm:encoded"),
    ("a" * 64, "image ID"),
    ("example.com/" + "a" * 250, "at most 255"),
]


@pytest.mark.parametrize(("text", "why"), INVALID)
def test_invalid_references_say_why(text: str, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        parse_reference(text)


def test_uncheckable_digest_algorithm_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="sha256 or sha512"):
        parse_reference("ubuntu@md5:" + "ab" * 16)
