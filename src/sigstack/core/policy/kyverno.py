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
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import yaml

from sigstack.core.keys import load_public_key
from sigstack.core.policy.conditions import ConditionBlock, parse_conditions
from sigstack.core.policy.wildcard import match
from sigstack.core.policy.yaml_load import Document, Node
from sigstack.errors import Error, FormatError

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

Action = Literal["Enforce", "Audit"]

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
_FILTER_KEYS = frozenset({
    "kinds", "name", "names", "namespaces", "annotations", "selector", "namespaceSelector",
    "operations",
})  # fmt: skip
_VERIFY_KEYS = frozenset({
    "type", "image", "imageReferences", "skipImageReferences", "failureAction",
    "mutateDigest", "verifyDigest", "required", "useCache", "repository", "cosignOCI11",
    "imageRegistryCredentials", "attestors", "attestations", "validate", "key", "subject",
    "issuer", "roots", "annotations", "additionalExtensions",
})  # fmt: skip
_GITHUB_EXTENSIONS = {
    "githubWorkflowTrigger": "trigger",
    "githubWorkflowSha": "sha",
    "githubWorkflowName": "name",
    "githubWorkflowRepository": "repository",
    "githubWorkflowRef": "ref",
}
_PEM_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", re.DOTALL)


def _unsupported(node: Node, what: str) -> FormatError:
    return node.error(
        f"a feature sigstack supports ({what} is not supported)", found=f"{node.path}"
    )


def _action(node: Node) -> Action:
    text = node.string(choices=("Enforce", "Audit", "enforce", "audit"))
    return "Enforce" if text.lower() == "enforce" else "Audit"


# -- the resource and its matching -----------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """What a rule matches on (the engine builds it from the admission request)."""

    kind: str
    api_version: str  # "v1", "apps/v1"
    namespace: str | None
    name: str | None
    operation: str = ""  # "" (offline) matches any ``operations``
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def group_version(self) -> tuple[str, str]:
        group, slash, version = self.api_version.rpartition("/")
        return (group if slash else ""), version


@dataclass(frozen=True)
class LabelSelector:
    """``metav1.LabelSelector``: ``matchLabels`` and ``matchExpressions``."""

    match_labels: Mapping[str, str]
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for key, operator, values in self.expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
        return True


def _selector(node: Node) -> LabelSelector:
    fields = node.mapping(frozenset({"matchLabels", "matchExpressions"}))
    labels = fields["matchLabels"].string_map() if "matchLabels" in fields else {}
    expressions = []
    for item in fields["matchExpressions"].sequence() if "matchExpressions" in fields else []:
        parts = item.mapping(frozenset({"key", "operator", "values"}))
        if "key" not in parts or "operator" not in parts:
            raise item.error("a match expression with key and operator")
        operator = parts["operator"].string(choices=("In", "NotIn", "Exists", "DoesNotExist"))
        values = parts["values"].strings(nonempty=False) if "values" in parts else ()
        if operator in ("In", "NotIn") and not values:
            raise item.error(f"values for the operator {operator}", found="none")
        expressions.append((parts["key"].string(), operator, values))
    return LabelSelector(labels, tuple(expressions))


def _kind_matches(pattern: str, resource: Resource) -> bool:
    parts = pattern.split("/")
    group, version = resource.group_version
    if len(parts) == 1:
        return match(parts[0], resource.kind)
    if len(parts) == 2:
        return match(parts[0], version) and match(parts[1], resource.kind)
    return match(parts[0], group) and match(parts[1], version) and match(parts[2], resource.kind)


@dataclass(frozen=True)
class ResourceFilter:
    """One ``resources`` description; every field given must hold."""

    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    operations: tuple[str, ...] = ()
    selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None

    @property
    def autogen_blocker(self) -> bool:
        """Kyverno does not auto-generate rules filtering on names, selectors or annotations."""
        return bool(self.names or self.selector or self.annotations)

    def matches(self, resource: Resource) -> bool:
        if self.kinds and not any(_kind_matches(k, resource) for k in self.kinds):
            return False
        if self.names and not any(match(n, resource.name or "") for n in self.names):
            return False
        if self.namespaces and (
            resource.namespace is None
            or not any(match(n, resource.namespace) for n in self.namespaces)
        ):
            return False
        for key, pattern in self.annotations.items():
            if key not in resource.annotations or not match(pattern, resource.annotations[key]):
                return False
        if self.operations and resource.operation and resource.operation not in self.operations:
            return False
        if self.selector is not None and not self.selector.matches(resource.labels):
            return False
        return self.namespace_selector is None or (
            resource.namespace is not None
            and self.namespace_selector.matches(resource.namespace_labels)
        )


def _filter(node: Node) -> ResourceFilter:
    fields = node.mapping(_FILTER_KEYS)
    names = fields["names"].strings() if "names" in fields else ()
    if "name" in fields:
        names = (*names, fields["name"].string())
    return ResourceFilter(
        kinds=fields["kinds"].strings() if "kinds" in fields else (),
        names=names,
        namespaces=fields["namespaces"].strings() if "namespaces" in fields else (),
        annotations=fields["annotations"].string_map() if "annotations" in fields else {},
        operations=tuple(
            item.string(choices=("CREATE", "UPDATE", "DELETE", "CONNECT"))
            for item in (fields["operations"].sequence() if "operations" in fields else [])
        ),
        selector=_selector(fields["selector"]) if "selector" in fields else None,
        namespace_selector=(
            _selector(fields["namespaceSelector"]) if "namespaceSelector" in fields else None
        ),
    )


@dataclass(frozen=True)
class Match:
    """``match``/``exclude``: ``any`` (one filter holds) and/or ``all`` (every one holds)."""

    any: tuple[ResourceFilter, ...] = ()
    all: tuple[ResourceFilter, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.any or self.all)

    def filters(self) -> tuple[ResourceFilter, ...]:
        return self.any + self.all

    def matches(self, resource: Resource) -> bool:
        if self.any and not any(f.matches(resource) for f in self.any):
            return False
        return all(f.matches(resource) for f in self.all)

    def with_kinds(self, kinds: tuple[str, ...]) -> Match:
        """The same filters with ``Pod`` kinds replaced by ``kinds`` (auto-gen)."""

        def swap(f: ResourceFilter) -> ResourceFilter:
            return replace(f, kinds=kinds) if f.kinds else f

        return Match(tuple(swap(f) for f in self.any), tuple(swap(f) for f in self.all))


def _filters(node: Node) -> tuple[ResourceFilter, ...]:
    out = []
    for item in node.sequence():
        fields = item.mapping(frozenset({"resources", "subjects", "roles", "clusterRoles"}))
        for who in ("subjects", "roles", "clusterRoles"):
            if who in fields:
                raise _unsupported(fields[who], f"matching on {who} (admission user info)")
        if "resources" not in fields:
            raise item.error("a filter with resources")
        out.append(_filter(fields["resources"]))
    return tuple(out)


def _match(node: Node, api_version: str) -> Match:
    fields = node.mapping(
        frozenset({"any", "all", "resources", "subjects", "roles", "clusterRoles"})
    )
    for who in ("subjects", "roles", "clusterRoles"):
        if who in fields:
            raise _unsupported(fields[who], f"matching on {who} (admission user info)")
    if "resources" in fields:
        if api_version != "kyverno.io/v1":
            raise fields["resources"].error("any or all (v2beta1 has no match.resources)")
        if "any" in fields or "all" in fields:
            raise fields["resources"].error("either resources or any/all, not both")
        return Match(all=(_filter(fields["resources"]),))
    if "any" in fields and "all" in fields:
        raise node.error("either any or all, not both", found="both")
    result = Match(
        any=_filters(fields["any"]) if "any" in fields else (),
        all=_filters(fields["all"]) if "all" in fields else (),
    )
    return result


# -- attestors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeylessAttestor:
    """``keyless``: the certificate's SAN and OIDC issuer, exact or by regular expression."""

    subject: str | None
    issuer: str | None
    subject_regexp: str | None
    issuer_regexp: str | None
    github: Mapping[str, str]  # GitHubWorkflow claim → value (additionalExtensions)


@dataclass(frozen=True)
class KeysAttestor:
    """``keys``: one PEM public key (after ``publicKeys`` is split)."""

    public_key: str


@dataclass(frozen=True)
class Attestor:
    """One ``entries[]`` item: ``keys``, ``keyless`` or a nested ``attestor`` set."""

    keys: KeysAttestor | None
    keyless: KeylessAttestor | None
    nested: AttestorSet | None
    annotations: Mapping[str, str]
    repository: str | None
    content: str  # canonical JSON of the entry as written (with the split key)

    @property
    def sub_path(self) -> str:
        """Kyverno's message path suffix: ``.keys``, ``.keyless`` or ``.attestor``."""
        return ".keys" if self.keys else ".keyless" if self.keyless else ".attestor"


@dataclass(frozen=True)
class AttestorSet:
    """``count`` (``None``: every entry) of ``entries`` must verify."""

    count: int | None
    entries: tuple[Attestor, ...]

    @property
    def required_count(self) -> int:
        return self.count if self.count else len(self.entries)


def _rekor_ctlog(fields: Mapping[str, Node]) -> None:
    if "rekor" in fields:
        fields["rekor"].mapping(frozenset({"url", "pubkey", "ignoreTlog"}))
        for key, value in fields["rekor"].mapping().items():
            _ = value.boolean() if key == "ignoreTlog" else value.string(nonempty=False)
    if "ctlog" in fields:
        for key, value in (
            fields["ctlog"].mapping(frozenset({"ignoreSCT", "pubkey", "tsaCertChain"})).items()
        ):
            _ = value.boolean() if key == "ignoreSCT" else value.string(nonempty=False)


def _public_keys(node: Node) -> list[str]:
    text = node.string()
    if text.startswith("k8s://") or "://" in text.split("\n", 1)[0]:
        raise _unsupported(node, "a key reference (k8s://, KMS)")
    pems = _PEM_KEY.findall(text)
    rest = _PEM_KEY.sub("", text).strip()
    if not pems or rest:
        raise node.error("one or more PEM public keys (-----BEGIN PUBLIC KEY-----)")
    for pem in pems:
        try:
            load_public_key(pem.encode(), field=node.path)
        except Error as exc:
            raise node.error("a readable PEM public key", found=exc.message) from exc
    return pems


def _keyless(node: Node) -> KeylessAttestor:
    fields = node.mapping(frozenset({
        "subject", "issuer", "subjectRegExp", "issuerRegExp", "roots", "additionalExtensions",
        "rekor", "ctlog",
    }))  # fmt: skip
    _rekor_ctlog(fields)
    if "roots" in fields:
        fields["roots"].string(nonempty=False)
    for exact, pattern in (("subject", "subjectRegExp"), ("issuer", "issuerRegExp")):
        if exact in fields and pattern in fields:
            raise fields[pattern].error(f"either {exact} or {pattern}, not both", found="both")
    if not any(k in fields for k in ("subject", "issuer", "subjectRegExp", "issuerRegExp")):
        raise node.error("a subject and/or issuer (or their RegExp forms)", found="none")
    github = {}
    for key, value in (
        fields["additionalExtensions"].mapping(_GITHUB_EXTENSIONS).items()
        if "additionalExtensions" in fields
        else []
    ):
        github[_GITHUB_EXTENSIONS[key]] = value.string()
    return KeylessAttestor(
        subject=fields["subject"].string() if "subject" in fields else None,
        issuer=fields["issuer"].string() if "issuer" in fields else None,
        subject_regexp=fields["subjectRegExp"].regexp() if "subjectRegExp" in fields else None,
        issuer_regexp=fields["issuerRegExp"].regexp() if "issuerRegExp" in fields else None,
        github=github,
    )


def _algorithm(node: Node) -> None:
    node.string(choices=("sha256",))


def _entries(node: Node) -> list[Attestor]:
    entries: list[Attestor] = []
    for item in node.sequence():
        fields = item.mapping(frozenset({
            "keys", "keyless", "certificates", "attestor", "annotations", "repository",
            "signatureAlgorithm",
        }))  # fmt: skip
        if "certificates" in fields:
            raise _unsupported(fields["certificates"], "a certificates attestor")
        chosen = [k for k in ("keys", "keyless", "attestor") if k in fields]
        if len(chosen) != 1:
            found = ", ".join(chosen) or "none"
            raise item.error("exactly one of keys, keyless, attestor", found=found)
        if "signatureAlgorithm" in fields:
            _algorithm(fields["signatureAlgorithm"])
        annotations = fields["annotations"].string_map() if "annotations" in fields else {}
        repository = fields["repository"].string() if "repository" in fields else None
        raw = item.value()
        if "keys" in fields:
            keys = fields["keys"].mapping(frozenset({
                "publicKeys", "kms", "secret", "signatureAlgorithm", "rekor", "ctlog",
            }))  # fmt: skip
            for other in ("kms", "secret"):
                if other in keys:
                    raise _unsupported(keys[other], f"keys.{other}")
            if "publicKeys" not in keys:
                raise fields["keys"].error("publicKeys", found="none")
            if "signatureAlgorithm" in keys:
                _algorithm(keys["signatureAlgorithm"])
            _rekor_ctlog(keys)
            for pem in _public_keys(keys["publicKeys"]):
                one = json.loads(json.dumps(raw))
                one["keys"]["publicKeys"] = pem
                entries.append(
                    Attestor(KeysAttestor(pem), None, None, annotations, repository, _canon(one))
                )
            continue
        keyless = _keyless(fields["keyless"]) if "keyless" in fields else None
        nested = _attestor_set(fields["attestor"]) if "attestor" in fields else None
        entries.append(Attestor(None, keyless, nested, annotations, repository, _canon(raw)))
    return entries


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _attestor_set(node: Node) -> AttestorSet:
    fields = node.mapping(frozenset({"count", "entries"}))
    entries = _entries(fields["entries"]) if "entries" in fields else []
    if not entries:
        raise node.error("an attestor set with at least one entry", found="no entries")
    count = fields["count"].integer(minimum=1) if "count" in fields else None
    if count is not None and count > len(entries):
        raise fields["count"].error(f"a count of at most {len(entries)} (the entries)")
    return AttestorSet(count, tuple(entries))


# -- verifyImages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attestation:
    """``attestations[]``: statements of ``type`` verified by ``attestors``, then ``conditions``
    over each one's predicate."""

    type: str
    attestors: tuple[AttestorSet, ...]
    conditions: tuple[ConditionBlock, ...]
    name: str | None = None


def _attestation(node: Node) -> Attestation:
    fields = node.mapping(frozenset({"type", "predicateType", "name", "attestors", "conditions"}))
    if "type" in fields and "predicateType" in fields:
        raise fields["predicateType"].error("either type or predicateType", found="both")
    type_node = fields.get("type") or fields.get("predicateType")
    if type_node is None:
        raise node.error("a type (the predicate type URI)", found="missing type")
    attestors = (
        tuple(_attestor_set(s) for s in fields["attestors"].sequence())
        if "attestors" in fields
        else ()
    )
    if not attestors:
        raise node.error(
            "attestors (without them Kyverno would accept unverified statements)",
            found="no attestors",
        )
    return Attestation(
        type=type_node.string(),
        attestors=attestors,
        conditions=parse_conditions(fields["conditions"]) if "conditions" in fields else (),
        name=fields["name"].string() if "name" in fields else None,
    )


@dataclass(frozen=True)
class ImageVerification:
    """One ``verifyImages[]`` entry."""

    image_references: tuple[str, ...]
    skip_image_references: tuple[str, ...] = ()
    type: str = "Cosign"
    failure_action: Action | None = None
    mutate_digest: bool = True
    verify_digest: bool = True
    required: bool = True
    use_cache: bool = True
    repository: str | None = None
    attestors: tuple[AttestorSet, ...] = ()
    attestations: tuple[Attestation, ...] = ()

    def applies_to(self, *forms: str) -> bool:
        """Some form of the image (Kyverno's image string; for a pinned image also its
        ``registry/path:tag``, :attr:`~sigstack.core.policy.wildcard.ImageInfo.forms`) matches
        ``imageReferences`` and none matches ``skipImageReferences``.

        Pinning must not take an image out of a tag pattern's reach: the webhook pins
        ``repo:tag`` to ``repo:tag@sha256:…`` before it is validated, and Kyverno's string for
        that drops the tag.
        """
        wanted = any(match(p, f) for p in self.image_references for f in forms)
        return wanted and not any(match(p, f) for p in self.skip_image_references for f in forms)


def _verify_images(node: Node, spec_action: Action) -> ImageVerification:
    fields = node.mapping(_VERIFY_KEYS)
    for legacy in (
        "image",
        "key",
        "subject",
        "issuer",
        "roots",
        "annotations",
        "additionalExtensions",
    ):
        if legacy in fields:
            raise fields[legacy].error(
                "imageReferences and attestors (the deprecated single-attestor fields are not "
                "supported)",
                found=f"the key {legacy!r}",
            )
    if "validate" in fields:
        raise _unsupported(fields["validate"], "verifyImages.validate (cross-attestation deny)")
    kind = (
        fields["type"].string(choices=("Cosign", "SigstoreBundle", "Notary"))
        if "type" in fields
        else "Cosign"
    )
    if kind == "Notary":
        raise fields["type"].error(
            "Cosign or SigstoreBundle (Notary signatures are not supported by sigstack)",
            found="Notary",
        )
    if "cosignOCI11" in fields and fields["cosignOCI11"].boolean():
        raise _unsupported(fields["cosignOCI11"], "cosign's experimental OCI 1.1 layout")
    if "imageRegistryCredentials" in fields:
        fields["imageRegistryCredentials"].mapping(
            frozenset({"allowInsecureRegistry", "providers", "secrets"})
        )
    if "imageReferences" not in fields:
        raise node.error("imageReferences", found="none")
    references = fields["imageReferences"].strings()
    if not references:
        raise fields["imageReferences"].error("at least one image reference")
    action = _action(fields["failureAction"]) if "failureAction" in fields else None
    mutate = fields["mutateDigest"].boolean() if "mutateDigest" in fields else True
    if mutate and (action or spec_action) == "Audit":
        where = fields.get("mutateDigest", node)
        raise where.error(
            "mutateDigest: false with the Audit failure action (as Kyverno requires)",
            found="mutateDigest true"
            if "mutateDigest" in fields
            else "mutateDigest defaulting to true",
        )
    return ImageVerification(
        image_references=references,
        skip_image_references=(
            fields["skipImageReferences"].strings() if "skipImageReferences" in fields else ()
        ),
        type=kind,
        failure_action=action,
        mutate_digest=mutate,
        verify_digest=fields["verifyDigest"].boolean() if "verifyDigest" in fields else True,
        required=fields["required"].boolean() if "required" in fields else True,
        use_cache=fields["useCache"].boolean() if "useCache" in fields else True,
        repository=fields["repository"].string() if "repository" in fields else None,
        attestors=tuple(_attestor_set(s) for s in fields["attestors"].sequence())
        if "attestors" in fields
        else (),
        attestations=tuple(_attestation(a) for a in fields["attestations"].sequence())
        if "attestations" in fields
        else (),
    )


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
    for unsupported in ("context", "preconditions", "celPreconditions", "imageExtractors"):
        if unsupported in fields:
            raise _unsupported(fields[unsupported], f"{unsupported} in a verifyImages rule")
    if "match" not in fields:
        raise node.error("a rule with match", found="no match")
    matcher = _match(fields["match"], api_version)
    if matcher.empty:
        raise fields["match"].error("at least one resource filter")
    exclude = _match(fields["exclude"], api_version) if "exclude" in fields else Match()
    verifications = tuple(_verify_images(v, spec_action) for v in fields["verifyImages"].sequence())
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
        raise _unsupported(
            spec["validationFailureActionOverrides"], "validationFailureActionOverrides"
        )
    action = (
        _action(spec["validationFailureAction"]) if "validationFailureAction" in spec else "Audit"
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


# -- reporting -------------------------------------------------------------------------------


def resource_id(kind: str, namespace: str | None, name: str | None) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped), as Kyverno names it."""
    return f"{kind}/{namespace}/{name or ''}" if namespace else f"{kind}/{name or ''}"


def render_denial(resource: str, failures: Mapping[str, Mapping[str, str]]) -> str:
    """Kyverno's admission denial (``pkg/webhooks/utils/block.go``, oci-and-policy.md §4.3).

    ``failures`` maps policy → rule → message; the map is rendered as Go's YAML marshaller
    does (keys sorted, 80 columns, single-quoted folded strings), after the blank lines and
    the header the API server shows below ``admission webhook "…" denied the request:``.
    """
    body = yaml.safe_dump(
        {p: dict(rules) for p, rules in failures.items()},
        width=80,
        default_flow_style=False,
        sort_keys=True,
        allow_unicode=True,
    )
    return f"\n\nresource {resource} was blocked due to the following policies\n\n{body}"
