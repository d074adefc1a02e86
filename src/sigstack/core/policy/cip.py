"""ClusterImagePolicy ``policy.sigstore.dev/v1beta1`` and ``v1alpha1`` (oci-and-policy.md §3.1).

Read strictly from a YAML :class:`~sigstack.core.policy.yaml_load.Node`: an unknown key, a
missing required one or a wrong type is refused at its ``file:line:column``. The upstream
validation rules apply (``clusterimagepolicy_validation.go``): images non-empty with valid
globs; exactly one of ``key``/``keyless``/``static`` per authority; ``static`` alone; key
material exactly one of ``data``/``secretRef``/``kms``; identities with an issuer and a subject
(exact or regexp, not both; regexps must compile); ``mode`` enforce|warn; at most one
``source``. The defaults too: ``mode: enforce``, authority names ``authority-<i>``, keyless
``url`` ``https://fulcio.sigstore.dev`` when neither ``url`` nor ``ca-cert`` is given.

Policies (``attestations[].policy``, ``spec.policy``): sigstack evaluates ``type: cel``
(:mod:`.cel`) and refuses ``cue`` and ``rego`` at load time rather than passing silently;
only inline ``data`` is read (``url``/``remote``/``configMapRef`` need the cluster or the
network and are refused). ``kms`` keys are refused likewise (no KMS here); a ``secretRef``
is kept and resolved by the engine's secrets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from sigstack.core.policy.cel import compile_cel
from sigstack.core.policy.glob import validate_glob
from sigstack.core.policy.yaml_load import Node
from sigstack.errors import FormatError, UnsupportedError

__all__ = [
    "API_GROUP",
    "Attestation",
    "Authority",
    "ClusterImagePolicy",
    "CtLog",
    "IdentitySpec",
    "KeyRef",
    "Keyless",
    "MatchResource",
    "PolicySpec",
    "Source",
    "Static",
    "parse_cluster_image_policy",
]

API_GROUP = "policy.sigstore.dev"
API_VERSIONS = (f"{API_GROUP}/v1beta1", f"{API_GROUP}/v1alpha1")
DEFAULT_FULCIO = "https://fulcio.sigstore.dev"
_HASHES = ("sha224", "sha256", "sha384", "sha512")
_POLICY_TYPES = ("cel", "cue", "rego")


@dataclass(frozen=True)
class KeyRef:
    """``key`` (or ``ca-cert``): exactly one of inline PEM ``data``, ``secretRef`` or ``kms``."""

    data: str | None = None
    secret_ref: str | None = None
    kms: str | None = None
    hash_algorithm: str = "sha256"


@dataclass(frozen=True)
class IdentitySpec:
    """One ``keyless.identities[]`` entry: an issuer and a subject, each exact or a regexp."""

    issuer: str | None = None
    subject: str | None = None
    issuer_regexp: str | None = None
    subject_regexp: str | None = None


@dataclass(frozen=True)
class Keyless:
    url: str | None
    identities: tuple[IdentitySpec, ...]
    trust_root_ref: str | None = None
    ca_cert: KeyRef | None = None
    insecure_ignore_sct: bool = False


@dataclass(frozen=True)
class Static:
    action: Literal["pass", "fail"]
    message: str = ""


@dataclass(frozen=True)
class Source:
    oci: str | None = None
    signature_pull_secrets: tuple[str, ...] = ()
    tag_prefix: str | None = None


@dataclass(frozen=True)
class CtLog:
    """``ctlog``: the **Rekor** log (the spec's naming trap), by URL or TrustRoot."""

    url: str | None = None
    trust_root_ref: str | None = None


@dataclass(frozen=True)
class PolicySpec:
    """A policy body: its language and inline text (``spec.policy`` adds the include flags)."""

    type: str
    data: str
    where: str = ""
    fetch_config_file: bool = False
    include_spec: bool = False
    include_object_meta: bool = False
    include_type_meta: bool = False


@dataclass(frozen=True)
class Attestation:
    name: str
    predicate_type: str
    policy: PolicySpec | None = None


@dataclass(frozen=True)
class Authority:
    """One ``authorities[]`` entry; exactly one of ``key``/``keyless``/``static`` is set."""

    name: str
    key: KeyRef | None = None
    keyless: Keyless | None = None
    static: Static | None = None
    sources: tuple[Source, ...] = ()
    ctlog: CtLog | None = None
    rfc3161_trust_root_ref: str | None = None
    attestations: tuple[Attestation, ...] = ()
    signature_format: Literal["legacy", "bundle"] = "legacy"

    @property
    def content_hash(self) -> str:
        """A digest of everything that decides this authority's verdict (a memo key part)."""
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class MatchResource:
    group: str = ""
    version: str = ""
    resource: str = ""
    match_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClusterImagePolicy:
    name: str
    api_version: str
    images: tuple[str, ...]
    authorities: tuple[Authority, ...]
    mode: Literal["enforce", "warn"] = "enforce"
    match: tuple[MatchResource, ...] = ()
    policy: PolicySpec | None = None
    where: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)


# -- readers -------------------------------------------------------------------------------


def _one_of(node: Node, entries: dict[str, Node], names: tuple[str, ...]) -> str:
    present = [n for n in names if n in entries]
    if len(present) != 1:
        found = "none of them" if not present else "both of " + " and ".join(present)
        raise node.error("exactly one of " + "|".join(names), found=found)
    return present[0]


def _key_ref(node: Node) -> KeyRef:
    entries = node.mapping({"data", "secretRef", "kms", "hashAlgorithm"})
    which = _one_of(node, entries, ("data", "secretRef", "kms"))
    hash_algorithm = "sha256"
    if "hashAlgorithm" in entries:
        hash_algorithm = entries["hashAlgorithm"].string(choices=_HASHES)
    if which == "kms":
        raise UnsupportedError(
            f"{entries['kms'].where}: {entries['kms'].path}: KMS keys are not supported by "
            "sigstack; put the public key in key.data or a Secret (secretRef)"
        )
    if which == "secretRef":
        ref = entries["secretRef"].mapping({"name", "namespace"})
        if "name" not in ref:
            raise entries["secretRef"].error("a secretRef with a name", found="no name")
        return KeyRef(secret_ref=ref["name"].string(), hash_algorithm=hash_algorithm)
    data = entries["data"].string()
    if "-----BEGIN" not in data:
        raise entries["data"].error("PEM public key data (-----BEGIN PUBLIC KEY-----)")
    return KeyRef(data=data, hash_algorithm=hash_algorithm)


def _identity(node: Node) -> IdentitySpec:
    entries = node.mapping({"issuer", "subject", "issuerRegExp", "subjectRegExp"})
    for exact, pattern in (("issuer", "issuerRegExp"), ("subject", "subjectRegExp")):
        if exact in entries and pattern in entries:
            raise node.error(f"{exact} or {pattern}", found="both")
        if exact not in entries and pattern not in entries:
            raise node.error(f"{exact} or {pattern}", found="neither")
    return IdentitySpec(
        issuer=entries["issuer"].string() if "issuer" in entries else None,
        subject=entries["subject"].string() if "subject" in entries else None,
        issuer_regexp=entries["issuerRegExp"].regexp() if "issuerRegExp" in entries else None,
        subject_regexp=entries["subjectRegExp"].regexp() if "subjectRegExp" in entries else None,
    )


def _keyless(node: Node, warnings: list[str]) -> Keyless:
    entries = node.mapping({"url", "ca-cert", "trustRootRef", "insecureIgnoreSCT", "identities"})
    if "url" in entries and "ca-cert" in entries:
        raise node.error("url or ca-cert", found="both")
    identities = (
        tuple(_identity(n) for n in entries["identities"].sequence())
        if ("identities" in entries)
        else ()
    )
    if not identities:
        where = entries.get("identities", node)
        raise where.error("keyless.identities with at least one identity", found="none")
    if "insecureIgnoreSCT" in entries and entries["insecureIgnoreSCT"].boolean():
        warnings.append(
            f"{entries['insecureIgnoreSCT'].where}: insecureIgnoreSCT is not honoured: sigstack "
            "always checks the certificate's SCT"
        )
    url = entries["url"].string() if "url" in entries else None
    ca_cert = _key_ref(entries["ca-cert"]) if "ca-cert" in entries else None
    if url is None and ca_cert is None:
        url = DEFAULT_FULCIO
    return Keyless(
        url=url,
        identities=identities,
        trust_root_ref=entries["trustRootRef"].string() if "trustRootRef" in entries else None,
        ca_cert=ca_cert,
        insecure_ignore_sct=(
            entries["insecureIgnoreSCT"].boolean() if "insecureIgnoreSCT" in entries else False
        ),
    )


def _policy(node: Node, *, cip_level: bool, label: str) -> PolicySpec:
    allowed = {"type", "data", "url", "remote", "configMapRef"}
    if cip_level:
        allowed |= {"fetchConfigFile", "includeSpec", "includeObjectMeta", "includeTypeMeta"}
    entries = node.mapping(allowed)
    if "type" not in entries:
        raise node.error("a policy type (cel)", found="no type")
    kind = entries["type"].string(choices=_POLICY_TYPES)
    if kind != "cel":
        raise UnsupportedError(
            f"{entries['type'].where}: {entries['type'].path}: policy type {kind!r} is not "
            "supported by sigstack, which evaluates CEL policies only (type: cel); refusing "
            "rather than admitting without evaluating it"
        )
    for remote in ("url", "remote", "configMapRef"):
        if remote in entries:
            raise UnsupportedError(
                f"{entries[remote].where}: {entries[remote].path}: only inline policy data is "
                f"supported, found {remote}"
            )
    if "data" not in entries:
        raise node.error("inline policy data", found="no data")
    data = entries["data"].string()
    where = entries["data"].where
    compile_cel(data, f"{where}: {label}")
    flags = {
        name: entries[key].boolean() if key in entries else False
        for name, key in (
            ("fetch_config_file", "fetchConfigFile"),
            ("include_spec", "includeSpec"),
            ("include_object_meta", "includeObjectMeta"),
            ("include_type_meta", "includeTypeMeta"),
        )
    }
    if flags["fetch_config_file"]:
        raise UnsupportedError(
            f"{entries['fetchConfigFile'].where}: fetchConfigFile is not supported by sigstack"
        )
    return PolicySpec("cel", data, where, **flags)


_SHORT_TYPES = ("custom", "slsaprovenance", "slsaprovenance02", "slsaprovenance1", "spdx",
                "spdxjson", "cyclonedx", "link", "vuln", "openvex")  # fmt: skip


def _attestation(node: Node, warnings: list[str]) -> Attestation:
    entries = node.mapping({"name", "predicateType", "policy"})
    if "predicateType" not in entries:
        raise node.error("a predicateType", found="none")
    if "name" not in entries:
        raise node.error("an attestation name", found="none")
    name = entries["name"].string()
    predicate_type = entries["predicateType"].string()
    if predicate_type in _SHORT_TYPES:
        warnings.append(
            f"{entries['predicateType'].where}: predicateType {predicate_type!r} is a short "
            "name; use the full predicate type URI"
        )
    policy = None
    if "policy" in entries:
        policy = _policy(entries["policy"], cip_level=False, label=f"attestation {name}")
    return Attestation(name, predicate_type, policy)


def _source(item: Node) -> Source:
    body = item.mapping({"oci", "signaturePullSecrets", "tagPrefix"})
    secrets: tuple[str, ...] = ()
    if "signaturePullSecrets" in body:
        secrets = tuple(
            s.mapping({"name"})["name"].string() for s in body["signaturePullSecrets"].sequence()
        )
    prefix = body["tagPrefix"].string(nonempty=False) if "tagPrefix" in body else None
    if prefix:
        raise UnsupportedError(
            f"{body['tagPrefix'].where}: {body['tagPrefix'].path}: tagPrefix is not supported "
            f"by sigstack (signatures are read at sha256-<hex>.sig), found {prefix!r}"
        )
    oci = body["oci"].string() if "oci" in body else None
    return Source(oci=oci, signature_pull_secrets=secrets, tag_prefix=prefix)


def _authority(node: Node, index: int, warnings: list[str]) -> Authority:
    entries = node.mapping(
        {"name", "key", "keyless", "static", "source", "ctlog", "rfc3161timestamp",
         "attestations", "signatureFormat"}
    )  # fmt: skip
    which = _one_of(node, entries, ("key", "keyless", "static"))
    name = entries["name"].string() if "name" in entries else f"authority-{index}"
    if which == "static":
        for extra in ("attestations", "source", "ctlog", "rfc3161timestamp"):
            if extra in entries:
                raise entries[extra].error(
                    "nothing besides static", found=f"{extra} with a static authority"
                )
        body = entries["static"].mapping({"action", "message"})
        if "action" not in body:
            raise entries["static"].error("an action (pass|fail)", found="none")
        action = body["action"].string(choices=("pass", "fail"))
        message = body["message"].string(nonempty=False) if "message" in body else ""
        return Authority(name, static=Static(action, message))  # type: ignore[arg-type]
    sources: list[Source] = []
    if "source" in entries:
        items = entries["source"].sequence()
        if len(items) > 1:
            raise entries["source"].error("at most one source", found=f"{len(items)}")
        sources = [_source(item) for item in items]
    ctlog = None
    if "ctlog" in entries:
        body = entries["ctlog"].mapping({"url", "trustRootRef"})
        ctlog = CtLog(
            url=body["url"].string() if "url" in body else None,
            trust_root_ref=body["trustRootRef"].string() if "trustRootRef" in body else None,
        )
    tsa = None
    if "rfc3161timestamp" in entries:
        body = entries["rfc3161timestamp"].mapping({"trustRootRef"})
        if "trustRootRef" not in body:
            raise entries["rfc3161timestamp"].error("a trustRootRef", found="none")
        tsa = body["trustRootRef"].string()
    attestations = tuple(
        _attestation(n, warnings) for n in entries["attestations"].sequence()
    ) if "attestations" in entries else ()  # fmt: skip
    fmt = "legacy"
    if "signatureFormat" in entries:
        fmt = entries["signatureFormat"].string(choices=("legacy", "bundle"))
        if fmt == "bundle" and which != "keyless":
            raise entries["signatureFormat"].error(
                "a keyless authority with the bundle format",
                found="when using the new bundle format, the authority must be keyless",
            )
    return Authority(
        name,
        key=_key_ref(entries["key"]) if which == "key" else None,
        keyless=_keyless(entries["keyless"], warnings) if which == "keyless" else None,
        sources=tuple(sources),
        ctlog=ctlog,
        rfc3161_trust_root_ref=tsa,
        attestations=attestations,
        signature_format=fmt,  # type: ignore[arg-type]
    )


def _match(node: Node) -> MatchResource:
    entries = node.mapping({"group", "version", "resource", "selector"})
    labels: tuple[tuple[str, str], ...] = ()
    if "selector" in entries:
        selector = entries["selector"].mapping({"matchLabels"})
        if "matchLabels" in selector:
            labels = tuple(
                (k, v.string(nonempty=False)) for k, v in selector["matchLabels"].items()
            )
        if not entries.get("resource"):
            raise entries["selector"].error("a resource type with a selector", found="none")
    return MatchResource(
        group=entries["group"].string(nonempty=False) if "group" in entries else "",
        version=entries["version"].string(nonempty=False) if "version" in entries else "",
        resource=entries["resource"].string() if "resource" in entries else "",
        match_labels=labels,
    )


def parse_cluster_image_policy(root: Node) -> ClusterImagePolicy:
    """Read one ClusterImagePolicy document (module docstring)."""
    top = root.mapping({"apiVersion", "kind", "metadata", "spec", "status"})
    for required in ("apiVersion", "kind", "metadata", "spec"):
        if required not in top:
            raise root.error(f"a {required}", found=f"no {required}")
    api_version = top["apiVersion"].string(choices=API_VERSIONS)
    top["kind"].string(choices=("ClusterImagePolicy",))
    metadata = top["metadata"].mapping()
    if "name" not in metadata:
        raise top["metadata"].error("metadata.name", found="no name")
    name = metadata["name"].string()
    spec = top["spec"].mapping({"images", "authorities", "mode", "match", "policy"})
    if "images" not in spec or not spec["images"].sequence():
        raise spec.get("images", top["spec"]).error(
            "spec.images with at least one glob", found="none"
        )
    images = []
    for item in spec["images"].sequence():
        glob_node = item.mapping({"glob"}).get("glob")
        if glob_node is None:
            raise item.error("a glob", found="none")
        glob = glob_node.string()
        try:
            validate_glob(glob)
        except FormatError as exc:
            raise glob_node.error("a valid glob", found=exc.message) from exc
        images.append(glob)
    warnings: list[str] = []
    authorities = tuple(
        _authority(n, i, warnings) for i, n in enumerate(spec["authorities"].sequence())
    ) if "authorities" in spec else ()  # fmt: skip
    if not authorities:
        raise spec.get("authorities", top["spec"]).error(
            "spec.authorities with at least one authority (fail-on-empty-authorities)",
            found="none",
        )
    mode = spec["mode"].string(choices=("enforce", "warn")) if "mode" in spec else "enforce"
    match = tuple(_match(n) for n in spec["match"].sequence()) if "match" in spec else ()
    policy = (
        _policy(spec["policy"], cip_level=True, label=f"ClusterImagePolicy {name}")
        if ("policy" in spec)
        else None
    )
    return ClusterImagePolicy(
        name=name,
        api_version=api_version,
        images=tuple(images),
        authorities=authorities,
        mode=mode,  # type: ignore[arg-type]
        match=match,
        policy=policy,
        where=root.where,
        warnings=tuple(warnings),
    )
