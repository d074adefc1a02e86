"""CI-provider metadata: claim templates for the SAN and extensions (spec §3, §4).

:data:`BUILTIN_CI_PROVIDERS` carries the ``github-workflow`` and ``gitlab-pipeline`` entries of
Fulcio's public ``config/identity/config.yaml`` (``ci-issuer-metadata``), so a deployment can name
them without copying the templates; a configuration file may override or add entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from sigstack.core.oidc import oids
from sigstack.core.oidc.templates import Template, TemplateError

__all__ = ["BUILTIN_CI_PROVIDERS", "GITHUB_WORKFLOW", "GITLAB_PIPELINE", "CIProviderMetadata"]


@lru_cache(maxsize=512)
def compiled(source: str) -> Template:
    """Parse ``source`` once (templates repeat across every token of a provider)."""
    return Template(source)


@dataclass(frozen=True)
class CIProviderMetadata:
    """One ``CIIssuerMetadata`` entry (Fulcio ``config.IssuerMetadata``).

    ``extension_templates`` maps a dotted OID (see :mod:`~sigstack.core.oidc.oids`) to a template
    or a bare claim name. Templates are parsed on construction; a bad one raises
    :class:`~sigstack.core.oidc.templates.TemplateError`.
    """

    subject_alternative_name_template: str
    extension_templates: Mapping[str, str] = field(default_factory=dict)
    default_template_values: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.subject_alternative_name_template.strip():
            raise TemplateError("SubjectAlternativeNameTemplate must not be empty")
        known = {oid for _, _, oid in oids.EXTENSION_KEYS}
        for oid, source in self.extension_templates.items():
            if oid not in known:
                raise TemplateError(f"{oid} is not a templated Fulcio extension")
            if "{{" in source:
                compiled(source)
        if "{{" in self.subject_alternative_name_template:
            compiled(self.subject_alternative_name_template)
        object.__setattr__(
            self, "extension_templates", MappingProxyType(dict(self.extension_templates))
        )
        object.__setattr__(
            self, "default_template_values", MappingProxyType(dict(self.default_template_values))
        )

    def with_defaults(self, **values: str) -> CIProviderMetadata:
        """A copy with some ``DefaultTemplateValues`` replaced.

        For self-hosted instances: ``GITLAB_PIPELINE.with_defaults(url="https://gitlab.corp")``
        makes the source-repository URIs point at that GitLab (claims still win).
        """
        defaults = {**self.default_template_values, **values}
        return replace(self, default_template_values=defaults)


GITHUB_WORKFLOW = CIProviderMetadata(
    subject_alternative_name_template="{{ .url }}/{{ .job_workflow_ref }}",
    default_template_values={"url": "https://github.com", "environment": ""},
    extension_templates={
        oids.OID_GITHUB_WORKFLOW_TRIGGER: "event_name",
        oids.OID_GITHUB_WORKFLOW_SHA: "sha",
        oids.OID_GITHUB_WORKFLOW_NAME: "workflow",
        oids.OID_GITHUB_WORKFLOW_REPOSITORY: "repository",
        oids.OID_GITHUB_WORKFLOW_REF: "ref",
        oids.OID_BUILD_SIGNER_URI: "{{ .url }}/{{ .job_workflow_ref }}",
        oids.OID_BUILD_SIGNER_DIGEST: "job_workflow_sha",
        oids.OID_RUNNER_ENVIRONMENT: "runner_environment",
        oids.OID_SOURCE_REPOSITORY_URI: "{{ .url }}/{{ .repository }}",
        oids.OID_SOURCE_REPOSITORY_DIGEST: "sha",
        oids.OID_SOURCE_REPOSITORY_REF: "ref",
        oids.OID_SOURCE_REPOSITORY_IDENTIFIER: "repository_id",
        oids.OID_SOURCE_REPOSITORY_OWNER_URI: "{{ .url }}/{{ .repository_owner }}",
        oids.OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER: "repository_owner_id",
        oids.OID_BUILD_CONFIG_URI: "{{ .url }}/{{ .workflow_ref }}",
        oids.OID_BUILD_CONFIG_DIGEST: "workflow_sha",
        oids.OID_BUILD_TRIGGER: "event_name",
        oids.OID_RUN_INVOCATION_URI: (
            "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}"
        ),
        oids.OID_SOURCE_REPOSITORY_VISIBILITY: "repository_visibility",
        oids.OID_DEPLOYMENT_ENVIRONMENT: "environment",
    },
)

GITLAB_PIPELINE = CIProviderMetadata(
    subject_alternative_name_template="https://{{ .ci_config_ref_uri }}",
    default_template_values={"url": "https://gitlab.com", "environment": ""},
    extension_templates={
        oids.OID_BUILD_SIGNER_URI: "https://{{ .ci_config_ref_uri }}",
        oids.OID_BUILD_SIGNER_DIGEST: "ci_config_sha",
        oids.OID_RUNNER_ENVIRONMENT: "runner_environment",
        oids.OID_SOURCE_REPOSITORY_URI: "{{ .url }}/{{ .project_path }}",
        oids.OID_SOURCE_REPOSITORY_DIGEST: "sha",
        oids.OID_SOURCE_REPOSITORY_REF: (
            'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}'
        ),
        oids.OID_SOURCE_REPOSITORY_IDENTIFIER: "project_id",
        oids.OID_SOURCE_REPOSITORY_OWNER_URI: "{{ .url }}/{{ .namespace_path }}",
        oids.OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER: "namespace_id",
        oids.OID_BUILD_CONFIG_URI: "https://{{ .ci_config_ref_uri }}",
        oids.OID_BUILD_CONFIG_DIGEST: "ci_config_sha",
        oids.OID_BUILD_TRIGGER: "pipeline_source",
        oids.OID_RUN_INVOCATION_URI: "{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}",
        oids.OID_SOURCE_REPOSITORY_VISIBILITY: "project_visibility",
        oids.OID_DEPLOYMENT_ENVIRONMENT: "environment",
    },
)

#: CI providers known without a ``CIIssuerMetadata`` section.
BUILTIN_CI_PROVIDERS: Mapping[str, CIProviderMetadata] = MappingProxyType(
    {"github-workflow": GITHUB_WORKFLOW, "gitlab-pipeline": GITLAB_PIPELINE}
)
