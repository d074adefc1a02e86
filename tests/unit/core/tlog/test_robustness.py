"""Any mutation of a valid request is accepted or refused with a ``sigstack.errors`` error.

Never a ``KeyError``, ``TypeError``, ``ValueError`` or a cryptography exception: the log
turns every refusal into a 4xx answer naming the field (ARCHITECTURE §2 rule 3, §5).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigstack.core.canonical_json import canonicalize
from sigstack.core.tlog.entries import (
    CanonicalEntry,
    parse_create_entry_request_v2,
    parse_proposed_entry_v1,
)
from sigstack.errors import FormatError, SignatureError

from .builders import (
    dsse_v1,
    dsse_v2,
    envelope,
    hashedrekord_v1,
    hashedrekord_v2,
    intoto_v2,
    pem_of,
    private_key,
    statement,
    verifier_v2,
)
from .helpers import DELETE, mutate


def _requests() -> list[tuple[Callable[[bytes], CanonicalEntry], dict[str, Any]]]:
    key = private_key("p256")
    env = envelope(statement("ab" * 32), [key])
    return [
        (parse_proposed_entry_v1, hashedrekord_v1(key, pem_of(key))),
        (parse_proposed_entry_v1, dsse_v1(env, [pem_of(key)])),
        (parse_proposed_entry_v1, intoto_v2(statement("ab" * 32), [(key, pem_of(key))])),
        (parse_create_entry_request_v2, hashedrekord_v2(key, "PKIX_ECDSA_P256_SHA_256")),
        (
            parse_create_entry_request_v2,
            dsse_v2(env, [verifier_v2(key, "PKIX_ECDSA_P256_SHA_256")]),
        ),
    ]


def _paths(node: Any, prefix: str = "") -> Iterator[str]:
    items = (
        enumerate(node)
        if isinstance(node, list)
        else node.items()
        if isinstance(node, dict)
        else ()
    )
    for key, child in items:
        path = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else key
        yield path
        yield from _paths(child, path)


CASES = [(parse, request, path) for parse, request in _requests() for path in _paths(request)]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
VALUES = (
    st.just(DELETE) | JSON | st.sampled_from(["", "AAAA", "=", "0" * 64, "PKIX_ED25519", "sha384"])
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CASES), VALUES)
def test_any_mutation_is_accepted_or_refused_cleanly(case: Any, value: object) -> None:
    parse, request, path = case
    try:
        entry = parse(json.dumps(mutate(request, path, value)).encode())
    except (FormatError, SignatureError) as exc:  # UnsupportedError is a FormatError
        assert exc.field or "." not in path, exc  # only top-level defects lack a field
        assert "expected" in exc.message, exc.message
    else:
        assert canonicalize(json.loads(entry.body)) == entry.body


def test_every_valid_request_parses() -> None:
    for parse, request in _requests():
        parse(json.dumps(request).encode())
