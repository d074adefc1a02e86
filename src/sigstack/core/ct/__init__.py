"""Certificate Transparency (RFC 6962), pure: SCTs, Merkle tree leaves, signed tree heads."""
