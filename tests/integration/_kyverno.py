"""The Kyverno keyless ClusterPolicy the integration tests write (oci-and-policy.md §4)."""

from __future__ import annotations


def keyless_cluster_policy(
    image_references: str,
    subject: str,
    issuer: str,
    rekor_url: str,
    *,
    action: str = "Enforce",
    exclude_kube_system: bool = True,
    rule_extra: str = "",
) -> str:
    """ClusterPolicy ``check-image``, rule ``check-image`` on Pods: images matching
    ``image_references`` need a keyless signature by ``subject``/``issuer`` in the log at
    ``rekor_url``. ``rule_extra`` is YAML appended to the ``imageReferences`` line (keys
    at the verifyImages item's column, each after a newline)."""
    exclude = (
        "\n    exclude:\n      any:\n      - resources:\n          namespaces: [kube-system]"
        if exclude_kube_system
        else ""
    )
    return f"""\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: check-image
spec:
  validationFailureAction: {action}
  rules:
  - name: check-image
    match:
      any:
      - resources:
          kinds: [Pod]{exclude}
    verifyImages:
    - imageReferences: ["{image_references}"]{rule_extra}
      attestors:
      - entries:
        - keyless:
            subject: {subject}
            issuer: {issuer}
            rekor: {{url: {rekor_url}}}
"""
