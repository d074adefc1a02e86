"""Client of the OCI distribution API (distribution-spec v1.1) over httpx.

Endpoints (distribution-spec §"Endpoints"):

=======  ======================================================  ============================
end-1    ``GET /v2/``                                            :meth:`RegistryClient.ping`
end-2    ``GET|HEAD /v2/<name>/blobs/<digest>``                  ``get_blob``, ``head_blob``
end-3    ``GET|HEAD /v2/<name>/manifests/<reference>``           ``get_manifest``, ``head_manifest``
end-4a   ``POST /v2/<name>/blobs/uploads/``                      ``upload_blob``
end-5    ``PATCH <location>`` (``Content-Range: <start>-<end>``) ``upload_blob(chunk_size=…)``
end-6    ``PUT <location>?digest=<digest>``                      ``upload_blob``
end-7    ``PUT /v2/<name>/manifests/<reference>``                ``put_manifest``
end-8a/b ``GET /v2/<name>/tags/list[?n=<int>&last=<tag>]``       ``list_tags`` (``Link`` pages)
end-11   ``POST /v2/<name>/blobs/uploads/?mount=<d>&from=<o>``   ``mount_blob``
end-12   ``GET /v2/<name>/referrers/<digest>[?artifactType=]``   ``referrers``
=======  ======================================================  ============================

Nothing fetched is trusted unverified: content asked for by digest must hash to that
digest, and a manifest fetched by tag must hash to the ``Docker-Content-Digest`` the
registry claims when it claims one (§"Pulling manifests": "if it is used, the client MUST
verify the value"); the digest returned is always the one computed from the bytes.
Refusals are :class:`~sigstack.errors.VerificationError` naming both digests.

Referrers: a registry without the referrers API (404 on end-12; Debian's
``docker-registry`` 2.8 is one) keeps them under the tag schema (§"Referrers Tag Schema",
:mod:`sigstack.core.oci.referrers`). ``put_manifest`` of a manifest with a ``subject``
updates that tag when the registry did not answer with ``OCI-Subject`` (§"Pushing
Manifests with Subject"); ``referrers`` reads it on a 404. The entry copies the manifest's
annotations, as the spec says (go-containerregistry does not). Updating the tag is a
read-append-write without conditional requests (distribution 2.8 ignores ``If-Match``):
two clients adding referrers to one subject at the same moment can lose an entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from sigstack.clients._http import ContextClosing
from sigstack.clients.registry.blobs import BlobOperations, header_digest
from sigstack.clients.registry.credentials import CredentialSource, DockerConfig
from sigstack.clients.registry.session import DEFAULT_TIMEOUT, Session
from sigstack.core.oci import mediatypes
from sigstack.core.oci.digest import Digest, digest_of, parse_digest, verify_content
from sigstack.core.oci.manifest import Descriptor, ImageIndex, ImageManifest, parse_manifest
from sigstack.core.oci.reference import validate_repository, validate_tag
from sigstack.core.oci.referrers import (
    append_referrer,
    filter_referrers,
    referrer_descriptor,
    referrers_tag,
)
from sigstack.errors import FormatError, NotFoundError, VerificationError

__all__ = ["PulledManifest", "PushedManifest", "Referrers", "RegistryClient"]

#: distribution-spec §"Pushing Manifests": registries SHOULD accept manifests up to 4 MiB;
#: we refuse to parse larger ones.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_MAX_PAGES = 10_000


@dataclass(frozen=True)
class PulledManifest:
    """A manifest or index as fetched: its descriptor, exact bytes and parsed form."""

    descriptor: Descriptor
    data: bytes
    manifest: ImageManifest | ImageIndex

    @property
    def digest(self) -> Digest:
        return self.descriptor.digest


@dataclass(frozen=True)
class PushedManifest:
    """What ``put_manifest`` stored; ``referrers_tag`` is set when it updated the fallback."""

    descriptor: Descriptor
    referrers_tag: str | None = None


@dataclass(frozen=True)
class Referrers:
    """The referrers of a digest and where they came from: ``"api"`` or ``"tag-schema"``."""

    index: ImageIndex
    source: str


def _reference(reference: str | Digest) -> tuple[str, Digest | None]:
    if isinstance(reference, Digest):
        return str(reference), reference
    if ":" in reference:
        digest = parse_digest(reference, field="reference")
        return str(digest), digest
    return validate_tag(reference, field="reference"), None


def _check_header(data: bytes, response: httpx.Response, what: str) -> None:
    """Refuse ``data`` if the registry's ``Docker-Content-Digest`` does not describe it."""
    claimed = header_digest(response, what)
    if claimed is not None and not claimed.matches(data):
        raise VerificationError(
            f"{what}: the registry says Docker-Content-Digest {claimed}, the bytes it sent "
            f"hash to {digest_of(data, claimed.algorithm)}; refusing them"
        )


class RegistryClient(BlobOperations, ContextClosing):
    """One registry host (``host[:port]``): ``RegistryClient("127.0.0.1:5000", plain_http=True)``.

    ``credentials`` defaults to docker's ``config.json``
    (:class:`~sigstack.clients.registry.credentials.DockerConfig`). ``plain_http`` is refused
    for non-loopback hosts unless ``allow_insecure``. ``ca_bundle`` is a PEM file of CAs to
    trust instead of the system's.
    """

    def __init__(
        self,
        registry: str,
        *,
        credentials: CredentialSource | None = None,
        plain_http: bool = False,
        allow_insecure: bool = False,
        ca_bundle: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.registry = registry
        self._session = Session(
            registry,
            credentials if credentials is not None else DockerConfig.from_environment(),
            plain_http=plain_http,
            allow_insecure=allow_insecure,
            ca_bundle=ca_bundle,
            transport=transport,
            timeout=timeout,
        )

    @property
    def base_url(self) -> str:
        """``https://host[:port]`` (or ``http://`` for plain HTTP)."""
        return self._session.base_url

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()

    def ping(self) -> None:
        """``GET /v2/`` (end-1): the registry speaks the API and accepts our credentials."""
        self._session.request("GET", "/v2/", what=f"registry {self.registry}", repository="")

    # -- manifests ----------------------------------------------------------------------

    def _manifest_request(
        self, method: str, repository: str, reference: str | Digest
    ) -> tuple[str, Digest | None, httpx.Response]:
        """(``manifest host/repo:tag|@digest`` for messages, the digest asked for if any,
        the response) of a GET or HEAD on the manifest endpoint (end-3)."""
        repo = validate_repository(repository)
        ref, expected = _reference(reference)
        what = f"manifest {self.registry}/{repo}{'@' if expected else ':'}{ref}"
        response = self._session.request(
            method, f"/v2/{repo}/manifests/{ref}", what=what, repository=repo,
            headers={"Accept": mediatypes.MANIFEST_ACCEPT},
        )  # fmt: skip
        return what, expected, response

    def get_manifest(self, repository: str, reference: str | Digest) -> PulledManifest:
        """The manifest or index at ``reference`` (a tag or a digest), verified (end-3)."""
        what, expected, response = self._manifest_request("GET", repository, reference)
        data = response.content
        if len(data) > MAX_MANIFEST_BYTES:
            raise FormatError(
                f"{what}: expected a manifest of at most {MAX_MANIFEST_BYTES} bytes, "
                f"found {len(data)}"
            )
        if expected is not None:
            verify_content(data, expected, what)
        _check_header(data, response, what)
        parsed = parse_manifest(data, response.headers.get("content-type"))
        digest = expected or digest_of(data)
        return PulledManifest(Descriptor(parsed.media_type, digest, len(data)), data, parsed)

    def resolve(self, repository: str, tag: str) -> Descriptor:
        """The descriptor of the manifest ``tag`` points to, its digest computed from its bytes."""
        return self.get_manifest(repository, tag).descriptor

    def head_manifest(self, repository: str, reference: str | Digest) -> Descriptor:
        """What the registry says about ``reference`` without the body (end-3, HEAD).

        Without a ``Docker-Content-Digest`` the manifest is fetched and hashed instead.
        """
        what, expected, response = self._manifest_request("HEAD", repository, reference)
        claimed = header_digest(response, what)
        length = response.headers.get("content-length", "")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if claimed is None or not length.isdigit() or not media_type:
            return self.get_manifest(repository, reference).descriptor
        if expected is not None and claimed != expected:
            raise VerificationError(
                f"{what}: asked for {expected}, the registry answered for {claimed}; refusing"
            )
        return Descriptor(media_type, claimed, int(length))

    def put_manifest(
        self,
        repository: str,
        manifest: ImageManifest | ImageIndex | bytes,
        *,
        tag: str | None = None,
        media_type: str | None = None,
    ) -> PushedManifest:
        """Push a manifest or index by ``tag``, or by its digest (end-7).

        Raw ``bytes`` are pushed exactly as given (after strict parsing; ``media_type``
        defaults to the declared one). A manifest with a ``subject`` is then added to the
        referrers tag when the registry does not maintain referrers itself.
        """
        repo = validate_repository(repository)
        if isinstance(manifest, bytes):
            data, parsed = manifest, parse_manifest(manifest, media_type)
        else:
            data, parsed = manifest.to_bytes(), manifest
        digest = digest_of(data)
        ref = validate_tag(tag) if tag is not None else str(digest)
        what = f"manifest {self.registry}/{repo}{':' if tag else '@'}{ref}"
        response = self._session.request(
            "PUT", f"/v2/{repo}/manifests/{ref}", what=what, repository=repo, push=True,
            headers={"Content-Type": parsed.media_type}, content=data, ok=(201,),
        )  # fmt: skip
        stored = header_digest(response, what)
        if stored is not None and stored != digest_of(data, stored.algorithm):
            raise VerificationError(
                f"{what}: pushed bytes with digest {digest}, the registry says it stored {stored}"
            )
        descriptor = Descriptor(parsed.media_type, digest, len(data))
        fallback = None
        if parsed.subject is not None and "oci-subject" not in response.headers:
            entry = referrer_descriptor(parsed, data)
            fallback = self._add_referrer(repo, parsed.subject.digest, entry)
        return PushedManifest(descriptor, fallback)

    def _add_referrer(self, repo: str, subject: Digest, entry: Descriptor) -> str:
        """Append ``entry`` to ``subject``'s referrers tag (§"Pushing Manifests with Subject")."""
        tag = referrers_tag(subject)
        current = self._referrers_tag_index(repo, tag)
        updated = append_referrer(current, entry)
        if updated is not None:
            self.put_manifest(repo, updated, tag=tag)
        return tag

    def _referrers_tag_index(self, repo: str, tag: str) -> ImageIndex | None:
        try:
            pulled = self.get_manifest(repo, tag)
        except NotFoundError:
            return None
        if (
            not isinstance(pulled.manifest, ImageIndex)
            or pulled.manifest.media_type != mediatypes.OCI_INDEX
        ):
            raise FormatError(
                f"expected an OCI image index under the referrers tag {repo}:{tag}, "
                f"found {pulled.manifest.media_type}; not overwriting it"
            )
        return pulled.manifest

    # -- referrers ----------------------------------------------------------------------

    def referrers(
        self, repository: str, subject: Digest, *, artifact_type: str | None = None
    ) -> Referrers:
        """The manifests whose ``subject`` is ``subject`` (end-12, else the referrers tag)."""
        repo = validate_repository(repository)
        what = f"referrers of {self.registry}/{repo}@{subject}"
        params = {"artifactType": artifact_type} if artifact_type else None
        url: str | None = f"/v2/{repo}/referrers/{subject}"
        manifests: list[Descriptor] = []
        filtered = True
        first = True
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            response = self._session.request(
                "GET", url, what=what, repository=repo, params=params if first else None,
                headers={"Accept": mediatypes.OCI_INDEX}, ok=(200, 404),
            )  # fmt: skip
            if response.status_code == 404:
                if not first:
                    raise NotFoundError(f"{what}: the next page {url} answered 404")
                index = self._referrers_tag_index(repo, referrers_tag(subject))
                empty = ImageIndex(manifests=())
                return Referrers(filter_referrers(index or empty, artifact_type), "tag-schema")
            page = parse_manifest(response.content, response.headers.get("content-type"))
            if not isinstance(page, ImageIndex):
                raise FormatError(f"{what}: expected an image index, found {page.media_type}")
            manifests.extend(page.manifests)
            applied = response.headers.get("oci-filters-applied", "")
            filtered = filtered and "artifactType" in [f.strip() for f in applied.split(",")]
            url = _next_link(response)
            first = False
        index = ImageIndex(manifests=tuple(manifests))
        return Referrers(index if filtered else filter_referrers(index, artifact_type), "api")

    # -- tags ---------------------------------------------------------------------------

    def list_tags(self, repository: str, *, page_size: int | None = None) -> list[str]:
        """Every tag of ``repository``, following ``Link: <…>; rel="next"`` (end-8a/8b)."""
        return [tag for page in self._tag_pages(repository, page_size) for tag in page]

    def _tag_pages(self, repository: str, page_size: int | None) -> Iterator[list[str]]:
        repo = validate_repository(repository)
        what = f"tags of {self.registry}/{repo}"
        url: str | None = f"/v2/{repo}/tags/list"
        params = {"n": str(page_size)} if page_size else None
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            response = self._session.request("GET", url, what=what, repository=repo, params=params)
            params = None  # the next link carries its own query
            try:
                body = response.json()
            except ValueError as exc:
                raise FormatError(
                    f"{what}: expected JSON, found {response.content[:60]!r}"
                ) from exc
            tags = body.get("tags") if isinstance(body, dict) else None
            if tags is None and isinstance(body, dict) and "tags" in body:
                tags = []
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise FormatError(
                    f'{what}: expected {{"name", "tags": [strings]}}, found {body!r:.100}'
                )
            yield tags
            url = _next_link(response)
        raise FormatError(f"{what}: more than {_MAX_PAGES} pages; giving up")


def _next_link(response: httpx.Response) -> str | None:
    """The ``Link: <url>; rel="next"`` target, if any (RFC 8288)."""
    link = response.links.get("next")
    url = link.get("url") if link else None
    return url if isinstance(url, str) else None
