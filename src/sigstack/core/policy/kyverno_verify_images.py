"""Kyverno ``verifyImages[]`` entries, their attestors and attestations (oci-and-policy.md §4.1).

``type`` (``Cosign``, ``SigstoreBundle``; ``Notary`` is refused),
``imageReferences``/``skipImageReferences``, ``mutateDigest`` (must be false with ``Audit``,
as Kyverno's policy validation requires), ``verifyDigest``, ``required``, ``useCache``,
``repository``, ``attestors`` (sets with ``count``; entries ``keys``, ``keyless``, nested
``attestor``, with ``annotations`` and ``repository``) and ``attestations``
(``type``/``predicateType``, ``attestors``, ``conditions``). Several PEM keys in one
``publicKeys`` become one entry each (Kyverno's ``expandStaticKeys``). ``rekor``/``ctlog``
settings are read for display only (:mod:`sigstack.core.policy.kyverno`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sigstack.core.keys import load_public_key
from sigstack.core.policy.conditions import ConditionBlock, parse_conditions
from sigstack.core.policy.kyverno_fields import Action, parse_action, unsupported
from sigstack.core.policy.wildcard import match
from sigstack.core.policy.yaml_load import Node
from sigstack.errors import Error

__all__ = [
    "Attestation",
    "Attestor",
    "AttestorSet",
    "ImageVerification",
    "KeylessAttestor",
    "KeysAttestor",
    "parse_verify_images",
]

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
        raise unsupported(node, "a key reference (k8s://, KMS)")
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
            raise unsupported(fields["certificates"], "a certificates attestor")
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
                    raise unsupported(keys[other], f"keys.{other}")
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


def parse_verify_images(node: Node, spec_action: Action) -> ImageVerification:
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
        raise unsupported(fields["validate"], "verifyImages.validate (cross-attestation deny)")
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
        raise unsupported(fields["cosignOCI11"], "cosign's experimental OCI 1.1 layout")
    if "imageRegistryCredentials" in fields:
        fields["imageRegistryCredentials"].mapping(
            frozenset({"allowInsecureRegistry", "providers", "secrets"})
        )
    if "imageReferences" not in fields:
        raise node.error("imageReferences", found="none")
    references = fields["imageReferences"].strings()
    if not references:
        raise fields["imageReferences"].error("at least one image reference")
    action = parse_action(fields["failureAction"]) if "failureAction" in fields else None
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
