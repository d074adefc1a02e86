"""Container images: sign, attest and attach in a registry; gather what is attached.

The image layer of the library (docs/architecture.md §2): it composes the registry client
(:mod:`sigstack.clients.registry`), signing (:mod:`sigstack.sign`) and the offline
verifier (:mod:`sigstack.verify`) with cosign's storage scheme
(:mod:`sigstack.core.oci.cosign`, oci-and-policy.md §1).
"""
