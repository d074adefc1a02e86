"""Policy documents → the engines the webhook serves (oci-and-policy.md §3, §4).

The documents are read by the policy loader (:func:`sigstack.core.policy.loader.load_policies`,
which dispatches on ``kind``): ClusterImagePolicies with their TrustRoots go to the
policy-controller engine, Kyverno ``ClusterPolicy``/``Policy`` documents to the Kyverno
engine. The ClusterImagePolicy engine is served when there is a ClusterImagePolicy, or when
there is no policy at all (then ``no-match-policy`` decides every image, ``deny`` by
default, as policy-controller does with an empty ConfigMap); the Kyverno engine only when
there is a Kyverno policy (an image no Kyverno rule names is not Kyverno's concern).

Every engine gets the same verification cache, so a reload keeps the results of unchanged
policies (their hashes are in the cache keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sigstack.clients.registry import RegistryClient
from sigstack.core.trust import TrustedRoot
from sigstack.policy.engine import Engine, Memo, no_memo
from sigstack.services.admission.policies import Builder, Documents

__all__ = ["EngineOptions", "engine_builder"]

log = logging.getLogger("sigstack.services.admission")


@dataclass(frozen=True)
class EngineOptions:
    """What every engine is built with."""

    registry_factory: Callable[[str], RegistryClient]
    trust: TrustedRoot | None
    clock: Callable[[], datetime]
    memo: Memo = no_memo
    no_match_policy: Literal["deny", "warn", "allow"] = "deny"


def engine_builder(options: EngineOptions) -> Builder:
    """A :data:`~.policies.Builder` making the engines of the module docstring."""
    from sigstack.core.policy.loader import load_policies
    from sigstack.policy.cip import ClusterImagePolicyEngine

    def build(documents: Documents) -> Sequence[Engine]:
        policies = load_policies(list(documents))
        for warning in policies.warnings:
            log.warning("policy: %s", warning)
        engines: list[Engine] = []
        if policies.cluster_image_policies or not policies.kyverno:
            engines.append(
                ClusterImagePolicyEngine(
                    policies.cluster_image_policies,
                    registry_factory=options.registry_factory,
                    trust=options.trust,
                    clock=options.clock,
                    memo=options.memo,
                    no_match_policy=options.no_match_policy,
                    trust_roots=policies.trust_roots,
                )
            )
        if policies.kyverno:
            from sigstack.policy.kyverno import KyvernoEngine, load_kyverno

            engines.append(
                KyvernoEngine(
                    load_kyverno(policies.kyverno),
                    registry_factory=options.registry_factory,
                    trust=options.trust,
                    clock=options.clock,
                    memo=options.memo,
                )
            )
        return engines

    return build
