"""policy-controller glob matching: the table of oci-and-policy.md §3.2 (``glob_test.go``)."""

from __future__ import annotations

import pytest

from sigstack.core.policy.glob import compile_glob, glob_matches, match_name, validate_glob
from sigstack.errors import FormatError

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("glob", "image", "expected"),
    [
        ("index.docker.io/library/foo:*", "foo", True),
        ("index.docker.io/*/*", "foo", True),
        ("**", "foo", True),
        ("ghcr.io/**", "ghcr.io/foo", True),
        ("ghcr.io/*/*", "ghcr.io/foo", False),
        ("index.docker.io/knabben/**", "knabben/app:v1", True),
        ("index.docker.io/knabben/**", f"docker.io/knabben/app@{DIGEST}", True),
        ("index.docker.io/knabben/**", "index.docker.io/knabben/a/b:c", True),
        # "*" and "*/*" are Docker Hub shorthands
        ("*", "foo", True),
        ("*", "ghcr.io/foo", False),
        ("*/*", "knabben/app", True),
        ("*/*", "ghcr.io/a/b", False),
        # "*" stays inside a path segment but matches ":" and "@"
        ("ghcr.io/org/*", f"ghcr.io/org/app@{DIGEST}", True),
        ("ghcr.io/org/*", "ghcr.io/org/team/app:v1", False),
        ("ghcr.io/org/**", "ghcr.io/org/team/app:v1", True),
        # "." is literal
        ("ghcr.io/**", "ghcrxio/foo", False),
        # a digest reference drops its tag: tag-specific globs never match it
        ("index.docker.io/library/nginx:1.25", f"nginx:1.25@{DIGEST}", False),
        ("index.docker.io/library/nginx*", f"nginx:1.25@{DIGEST}", True),
        (f"index.docker.io/library/nginx@{DIGEST}", f"nginx:1.25@{DIGEST}", True),
        # localhost registries with ports
        ("localhost:5000/**", f"localhost:5000/app@{DIGEST}", True),
        ("localhost:5000/*", "localhost:5001/app:v1", False),
    ],
)
def test_glob_table(glob: str, image: str, expected: bool) -> None:
    assert glob_matches(glob, image) is expected


def test_match_name_is_ggcr_name() -> None:
    assert match_name("foo") == "index.docker.io/library/foo:latest"
    assert match_name(f"nginx:1.25@{DIGEST}") == f"index.docker.io/library/nginx@{DIGEST}"
    assert match_name("docker.io/knabben/app:v1") == "index.docker.io/knabben/app:v1"


def test_fallback_matches_the_image_as_written() -> None:
    # "foo" normalises to index.docker.io/library/foo:latest; the glob "foo" only matches
    # the string as written (upstream's deprecated fallback)
    assert glob_matches("foo", "foo")
    assert not glob_matches("bar", "foo")


@pytest.mark.parametrize("glob", ["", "ghcr.io/[abc]", "ghcr.io/a?b", "ghcr.io/a b"])
def test_invalid_globs_are_refused(glob: str) -> None:
    with pytest.raises(FormatError, match="expected a glob of"):
        validate_glob(glob)


def test_translation() -> None:
    assert compile_glob("a.b/**/c*").pattern == r"a\.b/.*/c[^/]*"
