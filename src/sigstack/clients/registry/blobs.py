"""Blob operations of the registry client (distribution-spec v1.1 §"Pulling blobs",
§"Pushing blobs", §"Mounting a blob from another repository").

end-2 ``GET|HEAD /v2/<name>/blobs/<digest>``; end-4a ``POST /v2/<name>/blobs/uploads/``;
end-5 ``PATCH <location>`` with ``Content-Range: <start>-<end>`` (inclusive, the first
chunk starting at 0); end-6 ``PUT <location>?digest=<digest>``; end-11
``POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`` (201 mounted, 202 an
upload session instead). A blob is refused unless its bytes hash to the digest asked for.
"""

from __future__ import annotations

import httpx

from sigstack.clients.registry.auth import repository_scope
from sigstack.clients.registry.session import Session
from sigstack.core.oci.digest import Digest, digest_of, parse_digest, verify_content
from sigstack.core.oci.manifest import Descriptor
from sigstack.core.oci.reference import validate_repository
from sigstack.errors import FormatError, NotFoundError, VerificationError

__all__ = ["BlobOperations", "header_digest", "upload_location"]

_OCTET = "application/octet-stream"


def header_digest(response: httpx.Response, what: str) -> Digest | None:
    """The ``Docker-Content-Digest`` of ``response``, validated, if it has one."""
    header = response.headers.get("docker-content-digest")
    return None if header is None else parse_digest(header, field=f"{what}: Docker-Content-Digest")


def upload_location(response: httpx.Response, what: str) -> str:
    """The ``Location`` of an upload answer (absolute or relative, used as given)."""
    location: str = response.headers.get("location", "")
    if not location:
        raise FormatError(
            f"{what}: expected a Location header with {response.status_code}, found none"
        )
    return location


class BlobOperations:
    """The blob half of :class:`~sigstack.clients.registry.RegistryClient`."""

    registry: str
    _session: Session

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        """The blob ``digest``, refused unless its bytes hash to ``digest`` (end-2)."""
        repo = validate_repository(repository)
        what = f"blob {self.registry}/{repo}@{digest}"
        response = self._session.request(
            "GET", f"/v2/{repo}/blobs/{digest}", what=what, repository=repo
        )
        verify_content(response.content, digest, what)
        return response.content

    def head_blob(self, repository: str, digest: Digest) -> Descriptor:
        """Media type and size of blob ``digest`` (end-2, HEAD); 404 → NotFoundError."""
        repo = validate_repository(repository)
        what = f"blob {self.registry}/{repo}@{digest}"
        response = self._session.request(
            "HEAD", f"/v2/{repo}/blobs/{digest}", what=what, repository=repo
        )
        claimed = header_digest(response, what)
        if claimed is not None and claimed != digest:
            raise VerificationError(
                f"{what}: asked for {digest}, the registry answered for {claimed}; refusing"
            )
        length = response.headers.get("content-length", "")
        if not length.isdigit():
            raise FormatError(f"{what}: expected a Content-Length, found {length!r}")
        media_type = response.headers.get("content-type", _OCTET).split(";")[0].strip()
        return Descriptor(media_type, digest, int(length))

    def blob_exists(self, repository: str, digest: Digest) -> bool:
        """Whether ``repository`` has blob ``digest``."""
        try:
            self.head_blob(repository, digest)
        except NotFoundError:
            return False
        return True

    def push_blob(
        self,
        repository: str,
        data: bytes,
        *,
        chunk_size: int | None = None,
        mount_from: str | None = None,
    ) -> Digest:
        """Store ``data`` unless already there: mounted from ``mount_from`` if possible."""
        digest = digest_of(data)
        if self.blob_exists(repository, digest):
            return digest
        if mount_from is not None and self.mount_blob(repository, digest, mount_from):
            return digest
        return self.upload_blob(repository, data, chunk_size=chunk_size)

    def upload_blob(self, repository: str, data: bytes, *, chunk_size: int | None = None) -> Digest:
        """Upload ``data``: POST then PUT (end-4a, end-6), or in PATCH chunks (end-5)."""
        repo = validate_repository(repository)
        digest = digest_of(data)
        what = f"upload of blob {digest} to {self.registry}/{repo}"
        start = self._session.request(
            "POST", f"/v2/{repo}/blobs/uploads/", what=what, repository=repo, push=True,
            headers={"Content-Length": "0"}, ok=(202,),
        )  # fmt: skip
        location = upload_location(start, what)
        body = data
        if chunk_size is not None:
            if chunk_size <= 0:
                raise FormatError(f"expected a positive chunk size, found {chunk_size}")
            location = self._patch_chunks(repo, location, data, chunk_size, what)
            body = b""
        done = self._session.request(
            "PUT", location, what=what, repository=repo, push=True,
            params={"digest": str(digest)}, content=body,
            headers={"Content-Type": _OCTET, "Content-Length": str(len(body))}, ok=(201,),
        )  # fmt: skip
        stored = header_digest(done, what)
        if stored is not None and stored != digest:
            raise VerificationError(f"{what}: the registry says it stored {stored}, not {digest}")
        return digest

    def _patch_chunks(
        self, repo: str, location: str, data: bytes, chunk_size: int, what: str
    ) -> str:
        for start in range(0, len(data), chunk_size):
            chunk = data[start : start + chunk_size]
            end = start + len(chunk) - 1
            response = self._session.request(
                "PATCH", location, what=what, repository=repo, push=True, content=chunk,
                headers={
                    "Content-Type": _OCTET,
                    "Content-Range": f"{start}-{end}",
                    "Content-Length": str(len(chunk)),
                },
                ok=(202,),
            )  # fmt: skip
            received = response.headers.get("range")
            if received is not None and received != f"0-{end}":
                raise FormatError(
                    f"{what}: after sending bytes {start}-{end} expected the registry to hold "
                    f"Range 0-{end}, found {received}"
                )
            location = upload_location(response, what)
        return location

    def mount_blob(self, repository: str, digest: Digest, from_repository: str) -> bool:
        """Mount ``digest`` from ``from_repository`` (end-11); False if the registry declined."""
        repo = validate_repository(repository)
        source = validate_repository(from_repository, field="from_repository")
        what = f"mount of blob {digest} from {source} into {self.registry}/{repo}"
        response = self._session.request(
            "POST", f"/v2/{repo}/blobs/uploads/", what=what, repository=repo, push=True,
            extra_scopes=(repository_scope(source, push=False),),
            params={"mount": str(digest), "from": source},
            headers={"Content-Length": "0"}, ok=(201, 202),
        )  # fmt: skip
        if response.status_code == 202:  # an upload session was opened instead: cancel it
            self._session.request(
                "DELETE", upload_location(response, what), what=what, repository=repo, push=True,
                ok=(204, 404),
            )  # fmt: skip
            return False
        stored = header_digest(response, what)
        if stored is not None and stored != digest:
            raise VerificationError(
                f"{what}: asked to mount {digest}, the registry says it mounted {stored}; refusing"
            )
        return True
