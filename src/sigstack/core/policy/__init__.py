"""Admission policy models (pure): Kyverno verifyImages, ClusterImagePolicy."""
