"""Kyverno wildcards and image names (oci-and-policy.md §4.2)."""

from __future__ import annotations

import pytest

from sigstack.core.policy.wildcard import image_info, image_string, match
from sigstack.errors import FormatError


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("*", "anything/at/all", True),
        ("", "", True),
        ("", "a", False),
        ("ghcr.io/org/*", "ghcr.io/org/app:v1", True),
        ("ghcr.io/org/*", "ghcr.io/org/team/app@sha256:ab", True),  # '*' crosses '/'
        ("ghcr.io/org/*", "ghcr.io/organisation/app:v1", False),
        ("ghcr.io/org/*", "evil.io/ghcr.io/org/app:v1", False),  # whole string must match
        ("*/app:v?", "docker.io/app:v1", True),
        ("*/app:v?", "docker.io/app:v", False),  # '?' is exactly one character
        ("*/app:v?", "docker.io/app:v10", False),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbYbZc", True),
        ("a*b*c", "aXbYbZ", False),
        ("docker.io/nginx:latest", "docker.io/nginx:latest", True),
        ("docker.io/nginx:latest", "docker.io/nginx:latest2", False),
        ("**", "x/y", True),
        ("?", "/", True),
    ],
)
def test_match(pattern: str, text: str, expected: bool) -> None:
    assert match(pattern, text) is expected


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", "docker.io/nginx:latest"),  # no library/ (Kyverno)
        ("nginx:1.25", "docker.io/nginx:1.25"),
        ("library/nginx", "docker.io/library/nginx:latest"),
        ("ghcr.io/org/app:v1", "ghcr.io/org/app:v1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost/app:v2", "localhost/app:v2"),
        ("127.0.0.1:5000/a/b:v1@sha256:" + "0" * 64, "127.0.0.1:5000/a/b@sha256:" + "0" * 64),
        ("app@sha256:" + "1" * 64, "docker.io/app@sha256:" + "1" * 64),
    ],
)
def test_image_string(image: str, expected: str) -> None:
    assert image_string(image) == expected


def test_image_info_parts() -> None:
    info = image_info("registry.example:443/team/app:1.0@sha256:" + "a" * 64)
    assert (info.registry, info.path, info.tag) == ("registry.example:443", "team/app", "1.0")
    assert info.digest == "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("", "expected an image reference"),
        ("app:", "expected a tag after ':'"),
        ("app@nodigest", "expected a digest algorithm:hex"),
        ("ghcr.io//app", "expected a repository path"),
        ("has space", "expected an image reference"),
    ],
)
def test_bad_images(image: str, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        image_info(image)


def test_forms_of_a_pinned_tag() -> None:
    digest = "sha256:" + "2" * 64
    assert image_info(f"r.io/a:v1@{digest}").forms == (f"r.io/a@{digest}", "r.io/a:v1")
    assert image_info(f"r.io/a@{digest}").forms == (f"r.io/a@{digest}",)
    assert image_info("r.io/a").forms == ("r.io/a:latest",)
