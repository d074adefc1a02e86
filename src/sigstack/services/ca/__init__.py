"""The certificate authority service: Fulcio API v2 and its CT log (ca-tsa-oidc-tuf.md §1).

* :mod:`~sigstack.services.ca.app` — ``open_ca`` (keys, CT log, HTTP client) and
  ``create_app`` (``/api/v2/signingCert``, ``trustBundle``, ``configuration``,
  ``/api/v1/rootCert``, ``/healthz``, ``/ct/v1/...``);
* :mod:`~sigstack.services.ca.issuer` — the issuance pipeline (token → issuer →
  JWKS → principal → key → precertificate → CT → certificate);
* :mod:`~sigstack.services.ca.steps` — its pure steps, run inline or in
  :mod:`~sigstack.services.ca.workers`;
* :mod:`~sigstack.services.ca.jwks` — discovery + JWKS cache;
* :mod:`~sigstack.services.ca.possession` — CSR and ``publicKeyRequest`` keys;
* :mod:`~sigstack.services.ca.keys` — where the CA key and chain come from;
* :mod:`~sigstack.services.ca.configuration` — ``GET /api/v2/configuration``.
"""
