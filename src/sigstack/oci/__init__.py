"""Container images: sign, attest and attach in a registry; gather and verify what is attached.

The image layer of the library (docs/architecture.md §2, docs/design/images.md): it composes
the registry client (:mod:`sigstack.clients.registry`), signing (:mod:`sigstack.sign`) and the
offline verifier (:mod:`sigstack.verify`) with cosign's storage scheme
(:mod:`sigstack.core.oci.cosign`, oci-and-policy.md §1):

* :mod:`~sigstack.oci.store` — where attachments live (``--repository``) and how a legacy
  ``sha256-<hex>.<sig|att|sbom>`` tag or an OCI 1.1 referrer is written;
* :mod:`~sigstack.oci.evidence` — a reference resolved to its digest, and everything
  attached to that digest in both formats (read, not yet trusted);
* :mod:`~sigstack.oci.sign`, :mod:`~sigstack.oci.attest`, :mod:`~sigstack.oci.attach` —
  ``cosign sign`` / ``attest`` / ``attach sbom``;
* :mod:`~sigstack.oci.verify` (and :func:`~sigstack.oci.attest.verify_attestations`) —
  ``cosign verify`` / ``verify-attestation`` (§2);
* :mod:`~sigstack.oci.tree` — ``cosign triangulate`` / ``tree``.
"""
