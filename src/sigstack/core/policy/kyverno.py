"""Kyverno ``ClusterPolicy`` / ``Policy`` with ``verifyImages`` rules (oci-and-policy.md §4.1).

Read strictly from YAML documents (:mod:`sigstack.core.policy.yaml_load`): an unknown key,
a wrong type or a feature this implementation does not have is refused at load time with
``<file>:<line>:<column>: <path>: expected …, found …`` — never silently ignored, since an
ignored check is an admitted image.

What is modelled (``kyverno.io/v1``; ``v2beta1`` where it differs: ``match``/``exclude``
only as ``any``/``all``):

* ``spec.validationFailureAction`` (``Enforce``/``Audit``, lower case accepted, default
  ``Audit``) and ``verifyImages[].failureAction`` overriding it per entry;
  ``spec.applyRules`` (``All``/``One``);
* ``rules[].match``/``exclude``: ``any``/``all`` of resource filters (``kinds`` as
  ``Pod``, ``v1/Pod`` or ``apps/v1/Deployment``, ``names``, ``namespaces``,
  ``annotations``, ``operations``, ``selector``, ``namespaceSelector``), or ``resources``
  directly (v1); wildcards as :func:`~sigstack.core.policy.wildcard.match`;
* Kyverno's auto-gen: a rule whose filters name only ``Pod`` (and no names, selectors or
  annotations) also applies, as ``autogen-<rule>``, to DaemonSet, Deployment, Job,
  StatefulSet, ReplicaSet and ReplicationController pod templates and, as
  ``autogen-cronjob-<rule>``, to CronJobs — unless the policy's
  ``pod-policies.kyverno.io/autogen-controllers`` annotation says ``none`` or lists fewer;
* ``verifyImages[]``: ``type`` (``Cosign``, ``SigstoreBundle``; ``Notary`` is refused),
  ``imageReferences``/``skipImageReferences``, ``mutateDigest`` (must be false with
  ``Audit``, as Kyverno's policy validation requires), ``verifyDigest``, ``required``,
  ``useCache``, ``repository``, ``attestors`` (sets with ``count``; entries ``keys``,
  ``keyless``, nested ``attestor``, with ``annotations`` and ``repository``) and
  ``attestations`` (``type``/``predicateType``, ``attestors``, ``conditions``).

Several PEM keys in one ``publicKeys`` become one entry each (Kyverno's
``expandStaticKeys``); ``count`` then counts those entries. Trust material comes from the
sigstack instance's trusted root, not from the policy: ``rekor.url``/``pubkey``,
``ctlog.pubkey`` and ``keyless.roots`` are read and kept for display only, and
``rekor.ignoreTlog``/``ctlog.ignoreSCT`` do not relax verification — every signature is
still checked against its log entry and SCT (our signatures always carry them), so a
signature without one is refused with the verifier's reason.

This module holds the rules, the policies and auto-gen; the rest is split by concern and
re-exported here: :mod:`.kyverno_match` (``match``/``exclude``), :mod:`.kyverno_verify_images`
(``verifyImages[]``, attestors, attestations), :mod:`.kyverno_denial` (the denial text) and
:mod:`.kyverno_fields` (the strict-parsing helpers they share).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sigstack.core.policy.kyverno_denial import render_denial, resource_id
from sigstack.core.policy.kyverno_fields import Action, parse_action, unsupported
from sigstack.core.policy.kyverno_match import (
    LabelSelector,
    Match,
    Resource,
    ResourceFilter,
    parse_match,
)
from sigstack.core.policy.kyverno_verify_images import (
    Attestation,
    Attestor,
    AttestorSet,
    ImageVerification,
    KeylessAttestor,
    KeysAttestor,
    parse_verify_images,
)
from sigstack.core.policy.yaml_load import Document, Node

__all__ = [
    "API_VERSIONS",
    "AUTOGEN_CONTROLLERS",
    "Attestation",
    "Attestor",
    "AttestorSet",
    "ImageVerification",
    "KeylessAttestor",
    "KeysAttestor",
    "KyvernoPolicy",
    "LabelSelector",
    "Match",
    "Resource",
    "ResourceFilter",
    "Rule",
    "is_kyverno",
    "parse_policies",
    "parse_policy",
    "render_denial",
    "resource_id",
]

API_VERSIONS = ("kyverno.io/v1", "kyverno.io/v2beta1")
KINDS = ("ClusterPolicy", "Policy")
#: Controllers a Pod rule is auto-generated for (``autogen-<rule>``), CronJob separately.
AUTOGEN_CONTROLLERS = (
    "DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController",
)  # fmt: skip
AUTOGEN_ANNOTATION = "pod-policies.kyverno.io/autogen-controllers"

_SPEC_KEYS = frozenset({
    "validationFailureAction", "validationFailureActionOverrides", "rules", "background",
    "admission", "failurePolicy", "webhookTimeoutSeconds", "schemaValidation",
    "mutateExistingOnPolicyUpdate", "generateExisting", "generateExistingOnPolicyUpdate",
    "useServerSideApply", "webhookConfiguration", "applyRules", "emitWarning",
})  # fmt: skip
_RULE_KINDS = ("validate", "mutate", "generate", "verifyImages")
_RULE_KEYS = frozenset({
    "name", "match", "exclude", "context", "preconditions", "celPreconditions",
    "imageExtractors", "skipBackgroundRequests", "reportProperties", *_RULE_KINDS,
})  # fmt: skip

# -- rules and policies ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A ``verifyImages`` rule (or one Kyverno auto-generated from it)."""

    name: str
    match: Match
    exclude: Match
    verify_images: tuple[ImageVerification, ...]

    def applies(self, resource: Resource) -> bool:
        """``match`` holds and ``exclude`` does not."""
        if not self.match.matches(resource):
            return False
        return self.exclude.empty or not self.exclude.matches(resource)


@dataclass(frozen=True)
class KyvernoPolicy:
    """A ``ClusterPolicy`` or ``Policy`` with its ``verifyImages`` rules (auto-gen included)."""

    kind: str
    name: str
    namespace: str | None  # a Policy's namespace; None for a ClusterPolicy
    failure_action: Action
    rules: tuple[Rule, ...]
    apply_one: bool = False
    other_rules: tuple[str, ...] = ()  # validate/mutate/generate rules: not evaluated here
    source: str = ""

    def applies_to_namespace(self, namespace: str | None) -> bool:
        return self.namespace is None or namespace == self.namespace

    def action_of(self, verification: ImageVerification) -> Action:
        return verification.failure_action or self.failure_action


def is_kyverno(document: Document) -> bool:
    """Whether ``document`` is a Kyverno ``ClusterPolicy``/``Policy`` (by apiVersion)."""
    value = document.root.value()
    return isinstance(value, dict) and str(value.get("apiVersion", "")).startswith("kyverno.io/")


def _autogen(rule: Rule, controllers: tuple[str, ...]) -> list[Rule]:
    filters = rule.match.filters() + rule.exclude.filters()
    kinds = {k for f in filters for k in f.kinds}
    if kinds != {"Pod"} or any(f.autogen_blocker for f in filters):
        return []
    out = []
    pod_controllers = tuple(c for c in AUTOGEN_CONTROLLERS if c in controllers)
    if pod_controllers:
        out.append(
            Rule(
                f"autogen-{rule.name}",
                rule.match.with_kinds(pod_controllers),
                rule.exclude.with_kinds(pod_controllers),
                rule.verify_images,
            )
        )
    if "CronJob" in controllers:
        out.append(
            Rule(
                f"autogen-cronjob-{rule.name}",
                rule.match.with_kinds(("CronJob",)),
                rule.exclude.with_kinds(("CronJob",)),
                rule.verify_images,
            )
        )
    return out


def _controllers(annotations: Mapping[str, str], node: Node) -> tuple[str, ...]:
    text = annotations.get(AUTOGEN_ANNOTATION)
    if text is None:
        return (*AUTOGEN_CONTROLLERS, "CronJob")
    if text.strip().lower() == "none":
        return ()
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    known = (*AUTOGEN_CONTROLLERS, "CronJob")
    for name in names:
        if name not in known:
            raise node.error(
                f"{AUTOGEN_ANNOTATION} listing none or some of {', '.join(known)}",
                found=repr(name),
            )
    return names


def _rule(node: Node, api_version: str, spec_action: Action) -> Rule | str:
    fields = node.mapping(_RULE_KEYS)
    if "name" not in fields:
        raise node.error("a rule with a name", found="no name")
    name = fields["name"].string()
    kinds = [k for k in _RULE_KINDS if k in fields]
    if len(kinds) != 1:
        raise node.error(
            "exactly one of validate, mutate, generate, verifyImages",
            found=", ".join(kinds) or "none",
        )
    if kinds[0] != "verifyImages":
        return name
    for feature in ("context", "preconditions", "celPreconditions", "imageExtractors"):
        if feature in fields:
            raise unsupported(fields[feature], f"{feature} in a verifyImages rule")
    if "match" not in fields:
        raise node.error("a rule with match", found="no match")
    matcher = parse_match(fields["match"], api_version)
    if matcher.empty:
        raise fields["match"].error("at least one resource filter")
    exclude = parse_match(fields["exclude"], api_version) if "exclude" in fields else Match()
    verifications = tuple(
        parse_verify_images(v, spec_action) for v in fields["verifyImages"].sequence()
    )
    if not verifications:
        raise fields["verifyImages"].error("at least one verifyImages entry")
    return Rule(name, matcher, exclude, verifications)


def parse_policy(document: Document) -> KyvernoPolicy:
    """One ``ClusterPolicy``/``Policy`` document (module docstring)."""
    root = document.root
    fields = root.mapping(frozenset({"apiVersion", "kind", "metadata", "spec", "status"}))
    if "apiVersion" not in fields:
        raise root.error("apiVersion " + " or ".join(API_VERSIONS), found="none")
    api_version = fields["apiVersion"].string(choices=API_VERSIONS)
    if "kind" not in fields:
        raise root.error("kind ClusterPolicy or Policy", found="none")
    kind = fields["kind"].string(choices=KINDS)
    if "metadata" not in fields:
        raise root.error("metadata with a name", found="no metadata")
    metadata = fields["metadata"].mapping()
    if "name" not in metadata:
        raise fields["metadata"].error("metadata with a name", found="no name")
    name = metadata["name"].string()
    namespace = None
    if kind == "Policy":
        namespace = metadata["namespace"].string() if "namespace" in metadata else "default"
    annotations = metadata["annotations"].string_map() if "annotations" in metadata else {}
    controllers = _controllers(annotations, metadata.get("annotations", fields["metadata"]))
    if "spec" not in fields:
        raise root.error("a spec with rules", found="no spec")
    spec = fields["spec"].mapping(_SPEC_KEYS)
    if (
        "validationFailureActionOverrides" in spec
        and spec["validationFailureActionOverrides"].sequence()
    ):
        raise unsupported(
            spec["validationFailureActionOverrides"], "validationFailureActionOverrides"
        )
    action = (
        parse_action(spec["validationFailureAction"])
        if "validationFailureAction" in spec
        else "Audit"
    )
    apply_one = (
        spec["applyRules"].string(choices=("All", "One")) == "One"
        if "applyRules" in spec
        else False
    )
    if "rules" not in spec:
        raise fields["spec"].error("rules", found="none")
    rules: list[Rule] = []
    others: list[str] = []
    for item in spec["rules"].sequence():
        parsed = _rule(item, api_version, action)
        if isinstance(parsed, str):
            others.append(parsed)
        else:
            rules.append(parsed)
    names = [r.name for r in rules] + others
    for duplicate in {n for n in names if names.count(n) > 1}:
        raise spec["rules"].error("unique rule names", found=f"{duplicate!r} repeated")
    expanded = [*rules, *(g for r in rules for g in _autogen(r, controllers))]
    return KyvernoPolicy(
        kind=kind,
        name=name,
        namespace=namespace,
        failure_action=action,
        rules=tuple(expanded),
        apply_one=apply_one,
        other_rules=tuple(others),
        source=document.source,
    )


def parse_policies(documents: Sequence[Document]) -> list[KyvernoPolicy]:
    """Every Kyverno document of ``documents``; any other document is refused."""
    out = []
    for document in documents:
        if not is_kyverno(document):
            raise document.root.error("a Kyverno ClusterPolicy or Policy (apiVersion kyverno.io/…)")
        out.append(parse_policy(document))
    return out
