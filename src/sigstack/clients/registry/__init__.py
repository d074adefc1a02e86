"""OCI distribution registry client: manifests, blobs, tags, referrers; docker credentials.

Usage::

    from sigstack.clients.registry import RegistryClient
    from sigstack.core.oci import parse_reference

    ref = parse_reference("localhost:5000/app:v1")
    with RegistryClient(ref.registry, plain_http=True) as registry:
        pulled = registry.get_manifest(ref.repository, ref.identifier)
        print(pulled.digest)  # computed from the bytes, never taken on trust
"""

from sigstack.clients.registry.client import (
    PulledManifest,
    PushedManifest,
    Referrers,
    RegistryClient,
)
from sigstack.clients.registry.credentials import (
    CredentialLookup,
    Credentials,
    CredentialSource,
    DockerConfig,
    StaticCredentials,
    docker_config_path,
)

__all__ = [
    "CredentialLookup",
    "CredentialSource",
    "Credentials",
    "DockerConfig",
    "PulledManifest",
    "PushedManifest",
    "Referrers",
    "RegistryClient",
    "StaticCredentials",
    "docker_config_path",
]
