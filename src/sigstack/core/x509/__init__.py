"""X.509 for code signing, pure: Fulcio OIDs and extensions, certificate profiles and issuance."""
