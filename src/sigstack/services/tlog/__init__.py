"""The transparency log service: Rekor v1 and v2 APIs over one Merkle log engine."""
