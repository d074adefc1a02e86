"""The TUF repository that distributes the trust root (python-tuf)."""
