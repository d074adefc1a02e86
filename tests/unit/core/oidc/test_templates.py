"""The Go text/template subset used by Fulcio's ci-issuer-metadata (spec §4)."""

from __future__ import annotations

import pytest

from sigstack.core.oidc.templates import Template, TemplateError, TemplateMissingKeyError

GITLAB_REF = 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}'
CIRCLECI_RUNNER = (
    '{{if eq (index . "oidc.circleci.com/ssh-rerun") "true"}}ssh-rerun{{ else }}""{{end}}'
)
CIRCLECI_SIGNER = ('{{.api_url}}/projects/{{(index . "oidc.circleci.com/project-id")}}'
                   '/pipeline-definitions/{{(index . "oidc.circleci.com/pipeline-definition-id")}}')  # fmt: skip


@pytest.mark.parametrize(
    ("ref_type", "expected"), [("branch", "refs/heads/main"), ("tag", "refs/tags/main")]
)
def test_gitlab_source_repository_ref(ref_type: str, expected: str) -> None:
    assert Template(GITLAB_REF).render({"ref_type": ref_type, "ref": "main"}) == expected


def test_circleci_templates_with_index() -> None:
    data = {
        "api_url": "https://circleci.com/api/v2",
        "oidc.circleci.com/project-id": "p-1",
        "oidc.circleci.com/pipeline-definition-id": "d-2",
        "oidc.circleci.com/ssh-rerun": "true",
    }
    assert Template(CIRCLECI_SIGNER).render(data) == (
        "https://circleci.com/api/v2/projects/p-1/pipeline-definitions/d-2"
    )
    assert Template(CIRCLECI_RUNNER).render(data) == "ssh-rerun"
    # Go's index yields the zero value for a missing key rather than failing.
    assert Template(CIRCLECI_RUNNER).render({}) == '""'


def test_missing_field_is_an_error() -> None:
    with pytest.raises(TemplateMissingKeyError) as info:
        Template("{{ .url }}/{{ .job_workflow_ref }}").render({"url": "https://github.com"})
    assert info.value.key == "job_workflow_ref"


def test_missing_field_in_the_branch_not_taken_is_fine() -> None:
    assert Template('{{ if eq .a "x" }}{{ .missing }}{{ end }}ok').render({"a": "y"}) == "ok"


def test_trim_markers_and_literals() -> None:
    assert Template("a  {{- .b -}}  c").render({"b": "B"}) == "aBc"
    assert Template('{{ `raw` }}-{{ "q\\"" }}').render({}) == 'raw-q"'


def test_conditions() -> None:
    assert Template('{{ if eq .a "x" "y" }}1{{ else }}0{{ end }}').render({"a": "y"}) == "1"
    assert Template('{{ if ne .a "x" }}1{{ else }}0{{ end }}').render({"a": "x"}) == "0"
    assert Template("{{ if .a }}set{{ end }}").render({"a": ""}) == ""
    assert (
        Template("{{ if .a }}{{ if .b }}ab{{ end }}{{ end }}").render({"a": "1", "b": "1"}) == "ab"
    )


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{{ .a", "unclosed action"),
        ("{{ end }}", "without {{ if }}"),
        ("{{ else }}", "without {{ if }}"),
        ('{{ if eq .a "b" }}x', "without {{ end }}"),
        ("{{ }}", "empty action"),
        ("{{ printf .a }}", "function 'printf' not defined"),
        ("{{ range .a }}{{ end }}", "unsupported action"),
        ('{{ (index . "a" }}', "unbalanced parentheses"),
        ("{{ .a | x }}", "unexpected"),
    ],
)
def test_parse_errors(source: str, fragment: str) -> None:
    with pytest.raises(TemplateError, match=fragment.replace("{", r"\{").replace("(", r"\(")):
        Template(source)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{{ . }}", "whole data map"),
        ("{{ eq .a }}", "at least two"),
        ("{{ .a .b }}", "non-function"),
    ],
)
def test_render_errors(source: str, fragment: str) -> None:
    with pytest.raises(TemplateError, match=fragment):
        Template(source).render({"a": "1", "b": "2"})
