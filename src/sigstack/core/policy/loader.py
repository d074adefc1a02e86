"""Read policy files: every YAML document, dispatched on its ``kind``.

``ClusterImagePolicy`` and ``TrustRoot`` (``policy.sigstore.dev``, oci-and-policy.md §3.1)
are read here; Kyverno ``ClusterPolicy``/``Policy`` documents (§4.1) are kept as
:class:`~sigstack.core.policy.yaml_load.Document` for the Kyverno reader; any other kind is
refused at its ``file:line:column``. Names must be unique per kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sigstack.core.policy.cip import ClusterImagePolicy, parse_cluster_image_policy
from sigstack.core.policy.trustroot import TrustRootSpec, parse_trust_root
from sigstack.core.policy.yaml_load import Document, load_documents
from sigstack.errors import FormatError

__all__ = ["KYVERNO_KINDS", "PolicySet", "load_policies"]

KYVERNO_KINDS = ("ClusterPolicy", "Policy")
_OURS = ("ClusterImagePolicy", "TrustRoot")


@dataclass
class PolicySet:
    """What a set of policy files holds, by kind."""

    cluster_image_policies: list[ClusterImagePolicy] = field(default_factory=list)
    trust_roots: dict[str, TrustRootSpec] = field(default_factory=dict)
    kyverno: list[Document] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [w for cip in self.cluster_image_policies for w in cip.warnings]


def load_policies(files: list[tuple[str, str | bytes]]) -> PolicySet:
    """Read ``(name, text)`` pairs into a :class:`PolicySet` (module docstring)."""
    out = PolicySet()
    seen: dict[str, str] = {}
    for source, text in files:
        for document in load_documents(text, source):
            kind = document.kind
            if kind == "ClusterImagePolicy":
                cip = parse_cluster_image_policy(document.root)
                if cip.name in seen:
                    raise FormatError(
                        f"{cip.where}: expected one ClusterImagePolicy named {cip.name!r}, "
                        f"found another at {seen[cip.name]}"
                    )
                seen[cip.name] = cip.where
                out.cluster_image_policies.append(cip)
            elif kind == "TrustRoot":
                root = parse_trust_root(document.root)
                if root.name in out.trust_roots:
                    raise FormatError(
                        f"{root.where}: expected one TrustRoot named {root.name!r}, found "
                        f"another at {out.trust_roots[root.name].where}"
                    )
                out.trust_roots[root.name] = root
            elif kind in KYVERNO_KINDS:
                out.kyverno.append(document)
            else:
                kinds = ", ".join((*_OURS, *KYVERNO_KINDS))
                found = f"kind {kind!r}" if kind else "a document without a kind"
                raise document.root.error(f"a policy document of kind {kinds}", found=found)
    for cip in out.cluster_image_policies:
        for authority in cip.authorities:
            refs = [
                authority.keyless.trust_root_ref if authority.keyless else None,
                authority.ctlog.trust_root_ref if authority.ctlog else None,
                authority.rfc3161_trust_root_ref,
            ]
            for ref in refs:
                if ref is not None and ref not in out.trust_roots:
                    raise FormatError(
                        f"{cip.where}: ClusterImagePolicy {cip.name} authority "
                        f"{authority.name}: expected a TrustRoot named {ref!r}, found "
                        f"{sorted(out.trust_roots) or 'no TrustRoot'}"
                    )
    return out
