"""Admission policy models and matching, pure (oci-and-policy.md §3, §4).

* :mod:`.yaml_load`: multi-document YAML kept as nodes, so every schema error names its
  ``file:line:column``; :mod:`.loader` sorts documents by ``kind``.
* policy-controller (§3): :mod:`.cip` (ClusterImagePolicy), :mod:`.trustroot` (TrustRoot),
  :mod:`.glob` (image globs, §3.2), :mod:`.cel` (CEL policies), :mod:`.decision` (the
  webhook's FieldError texts, §3.5).
* Kyverno (§4): :mod:`.kyverno` (ClusterPolicy/Policy ``verifyImages``, the denial text;
  split into :mod:`.kyverno_match`, :mod:`.kyverno_verify_images`, :mod:`.kyverno_denial`),
  :mod:`.wildcard` (image names and wildcards, §4.2), :mod:`.conditions` (JMESPath
  attestation conditions).

The engines that verify evidence against these models are in :mod:`sigstack.policy`.
"""
