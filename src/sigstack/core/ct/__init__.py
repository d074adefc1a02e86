"""Certificate Transparency (RFC 6962), pure: SCTs, Merkle tree leaves, signed tree heads.

- :mod:`.sct` — SignedCertificateTimestamp (§3.2), SCT lists (§3.3), signing and checking.
- :mod:`.leaf` — MerkleTreeLeaf (§3.4).
- :mod:`.sth` — tree head signatures (§3.5).
"""
