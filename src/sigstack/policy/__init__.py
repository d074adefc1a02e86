"""Admission policy engines: which images a cluster admits (issue #7).

Each engine (policy-controller's ClusterImagePolicy, Kyverno's ``verifyImages``) takes the
images of one Kubernetes resource and answers an :class:`~sigstack.policy.engine.Outcome`
with the messages its upstream users know (oci-and-policy.md §3.5, §4.3). Policy models
and matching are pure (:mod:`sigstack.core.policy`); engines gather and verify evidence
through :mod:`sigstack.oci`; the webhook (:mod:`sigstack.services.admission`) and the
offline tester (``sigstack policy test``) only call engines.
"""
