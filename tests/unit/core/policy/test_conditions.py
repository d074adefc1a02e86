"""Kyverno conditions over a predicate (oci-and-policy.md §4.1 ``conditions``)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sigstack.core.policy.conditions import ConditionError, evaluate, parse_conditions
from sigstack.core.policy.yaml_load import load_documents
from sigstack.errors import FormatError

PREDICATE = {
    "scanner": {
        "uri": "pkg:github/aquasecurity/trivy@0.50",
        "result": {"summary": {"critical": 0, "high": 3}},
    },
    "severities": ["LOW", "HIGH"],
    "age": "36h",
    "name": "report",
    "ok": True,
}


def _blocks(conditions: Any) -> Any:
    text = yaml.safe_dump({"conditions": conditions})
    root = load_documents(text, "p.yaml")[0].root
    return parse_conditions(root.mapping()["conditions"])


def _one(key: Any, operator: str, value: Any) -> bool:
    holds, _ = evaluate(
        _blocks([{"all": [{"key": key, "operator": operator, "value": value}]}]), PREDICATE
    )
    return holds


@pytest.mark.parametrize(
    ("key", "operator", "value", "expected"),
    [
        ("{{ scanner.result.summary.critical }}", "Equals", 0, True),
        (
            "{{ scanner.result.summary.critical }}",
            "equals",
            "0",
            True,
        ),  # case-insensitive, numeric string
        ("{{ scanner.result.summary.high }}", "Equals", 0, False),
        ("{{ scanner.result.summary.high }}", "NotEquals", 0, True),
        (
            "{{ scanner.uri }}",
            "Equals",
            "pkg:github/aquasecurity/trivy@*",
            True,
        ),  # value is a pattern
        ("{{ scanner.uri }}", "Equals", "pkg:github/other/*", False),
        ("{{ ok }}", "Equals", True, True),
        ("{{ ok }}", "Equals", "true", False),  # a bool is not a string
        ("{{ severities }}", "AnyIn", ["HIGH", "CRITICAL"], True),
        ("{{ severities }}", "AllIn", ["HIGH", "CRITICAL"], False),
        ("{{ severities }}", "AllIn", ["LOW", "HIGH", "CRITICAL"], True),
        ("{{ severities }}", "AnyNotIn", ["LOW", "HIGH"], False),
        ("{{ severities }}", "AnyNotIn", ["LOW"], True),
        ("{{ severities }}", "AllNotIn", ["CRITICAL"], True),
        ("{{ severities }}", "AllNotIn", ["CRITICAL", "LOW"], False),
        ("{{ name }}", "In", ["report", "other"], True),
        ("{{ name }}", "NotIn", ["report"], False),
        ("{{ name }}", "AnyIn", ["rep*"], True),
        ("{{ scanner.result.summary.high }}", "GreaterThan", 2, True),
        ("{{ scanner.result.summary.high }}", "GreaterThan", 3, False),
        ("{{ scanner.result.summary.high }}", "GreaterThanOrEquals", 3, True),
        ("{{ scanner.result.summary.high }}", "LessThan", "4", True),
        ("{{ scanner.result.summary.high }}", "LessThanOrEquals", 2, False),
        ("{{ age }}", "DurationGreaterThan", "24h", True),
        ("{{ age }}", "DurationLessThan", "1h30m", False),
        ("{{ age }}", "DurationLessThanOrEquals", "36h", True),
        ("{{ age }}", "GreaterThan", "90m", True),
        ("report-{{ name }}", "Equals", "report-report", True),  # interpolation
        ("{{ length(severities) }}", "Equals", 2, True),
    ],
)
def test_operators(key: Any, operator: str, value: Any, expected: bool) -> None:
    assert _one(key, operator, value) is expected


def test_any_and_all_blocks_and_messages() -> None:
    blocks = _blocks([
        {"all": [{"key": "{{ name }}", "operator": "Equals", "value": "report"}]},
        {"any": [
            {"key": "{{ scanner.result.summary.critical }}", "operator": "GreaterThan", "value": 0,
             "message": "criticals found"},
            {"key": "{{ scanner.result.summary.high }}", "operator": "GreaterThan", "value": 5,
             "message": "too many highs"},
        ]},
    ])  # fmt: skip
    assert evaluate(blocks, PREDICATE) == (False, "criticals found; too many highs")
    blocks = _blocks(
        [
            {
                "all": [
                    {"key": "{{ scanner.result.summary.high }}", "operator": "LessThan", "value": 1}
                ]
            }
        ]
    )
    assert evaluate(blocks, PREDICATE) == (
        False, 'condition "{{ scanner.result.summary.high }}" LessThan 1 failed'
    )  # fmt: skip
    assert evaluate(_blocks([{"any": [
        {"key": "{{ name }}", "operator": "Equals", "value": "x"},
        {"key": "{{ name }}", "operator": "Equals", "value": "report"},
    ]}]), PREDICATE) == (True, "")  # fmt: skip


def test_missing_field_is_an_error_not_a_pass() -> None:
    # AllNotIn over a field that does not exist must not admit.
    blocks = _blocks(
        [
            {
                "all": [
                    {
                        "key": "{{ vulnerabilities[].id }}",
                        "operator": "AllNotIn",
                        "value": ["CVE-1"],
                    }
                ]
            }
        ]
    )
    with pytest.raises(ConditionError, match="found nothing in the predicate"):
        evaluate(blocks, PREDICATE)


def test_comparing_non_numbers_is_an_error() -> None:
    blocks = _blocks([{"all": [{"key": "{{ name }}", "operator": "GreaterThan", "value": 1}]}])
    with pytest.raises(
        ConditionError, match='expected numbers or durations to compare, found "report" and 1'
    ):
        evaluate(blocks, PREDICATE)


def test_unknown_operator_refused_at_load() -> None:
    with pytest.raises(FormatError) as info:
        _blocks([{"all": [{"key": "{{ name }}", "operator": "Matches", "value": "x"}]}])
    text = str(info.value)
    assert text.startswith("p.yaml:")
    assert "conditions[0].all[0].operator: expected one of the operators Equals, NotEquals" in text
    assert "found the string 'Matches'" in text


def test_bad_jmespath_refused_at_load() -> None:
    with pytest.raises(
        FormatError, match=r"conditions\[0\]\.all\[0\]\.key: expected a JMESPath expression"
    ):
        _blocks([{"all": [{"key": "{{ a[ }}", "operator": "Equals", "value": 1}]}])


def test_condition_needs_key_and_operator() -> None:
    with pytest.raises(FormatError, match="found no operator"):
        _blocks([{"all": [{"key": "{{ a }}", "value": 1}]}])
    with pytest.raises(FormatError, match=r"one of the keys \[all, any\], found the key 'none'"):
        _blocks([{"none": []}])
