"""Descriptors, image manifests and image indexes: strict parsing and serialisation.

OCI image-spec v1.1: ``descriptor.md`` (Descriptor), ``manifest.md`` (Image Manifest),
``image-index.md`` (Image Index). Docker's schema 2 manifest and manifest list have the
same shape and parse here too, with their own ``mediaType``.

Strict means: every property the spec defines is type-checked (a wrong type or a missing
REQUIRED property is a :class:`~sigstack.errors.FormatError` naming its JSON path), and
unknown properties are ignored, as the spec requires of readers (``manifest.md``
§"Extensibility"). The declared ``mediaType`` is checked against the media type the
registry served (``Content-Type``): a document that claims to be an index in one and a
manifest in the other is refused (image-spec GHSA-77vh-xpmg-72qh, which is why image-spec
1.0.2 made ``mediaType`` a SHOULD).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sigstack.core.oci import mediatypes
from sigstack.core.oci.digest import Digest, digest_of, parse_digest
from sigstack.errors import FormatError

__all__ = [
    "Descriptor",
    "ImageIndex",
    "ImageManifest",
    "Platform",
    "parse_descriptor",
    "parse_manifest",
]

# RFC 6838 §4.2 restricted-name, as image-spec ``descriptor.md`` §"mediaType" asks.
_MEDIA_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
)


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _string(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise FormatError(f"expected a string, found {_type_name(value)}", field=f"{path}.{key}")
    return value


def _media_type(obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
    value = _string(obj, key, path, required=required)
    if value is not None and not _MEDIA_TYPE.fullmatch(value):
        raise FormatError(
            f"expected a media type type/subtype (RFC 6838), found {value!r}", field=f"{path}.{key}"
        )
    return value


def _string_map(obj: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FormatError(
            f"expected an object of string values, found {_type_name(value)}",
            field=f"{path}.{key}",
        )
    return dict(value)


def _string_list(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(
            f"expected an array of strings, found {_type_name(value)}", field=f"{path}.{key}"
        )
    return tuple(value)


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {_type_name(value)}", field=path)
    return value


@dataclass(frozen=True)
class Platform:
    """image-index.md §"platform": the platform an index entry runs on."""

    architecture: str
    os: str
    os_version: str | None = None
    os_features: tuple[str, ...] = ()
    variant: str | None = None
    features: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"architecture": self.architecture, "os": self.os}
        if self.os_version is not None:
            out["os.version"] = self.os_version
        if self.os_features:
            out["os.features"] = list(self.os_features)
        if self.variant is not None:
            out["variant"] = self.variant
        if self.features:
            out["features"] = list(self.features)
        return out


def _parse_platform(value: object, path: str) -> Platform:
    obj = _object(value, path)
    return Platform(
        architecture=_string(obj, "architecture", path, required=True) or "",
        os=_string(obj, "os", path, required=True) or "",
        os_version=_string(obj, "os.version", path),
        os_features=_string_list(obj, "os.features", path),
        variant=_string(obj, "variant", path),
        features=_string_list(obj, "features", path),
    )


@dataclass(frozen=True)
class Descriptor:
    """descriptor.md: what a manifest, index or referrers list says about some content."""

    media_type: str
    digest: Digest
    size: int
    artifact_type: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    urls: tuple[str, ...] = ()
    data: bytes | None = None
    platform: Platform | None = None

    @classmethod
    def of(
        cls,
        content: bytes,
        media_type: str,
        *,
        artifact_type: str | None = None,
        annotations: Mapping[str, str] | None = None,
        platform: Platform | None = None,
    ) -> Descriptor:
        """The descriptor of ``content`` (sha256, its length)."""
        return cls(
            media_type, digest_of(content), len(content), artifact_type,
            dict(annotations or {}), platform=platform,
        )  # fmt: skip

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mediaType": self.media_type,
            "digest": str(self.digest),
            "size": self.size,
        }
        if self.artifact_type is not None:
            out["artifactType"] = self.artifact_type
        if self.urls:
            out["urls"] = list(self.urls)
        if self.data is not None:
            out["data"] = base64.b64encode(self.data).decode()
        if self.platform is not None:
            out["platform"] = self.platform.to_json()
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


def parse_descriptor(value: object, path: str = "descriptor") -> Descriptor:
    """Parse one descriptor (descriptor.md §"Properties"); ``data``, if any, must match."""
    obj = _object(value, path)
    media_type = _media_type(obj, "mediaType", path, required=True) or ""
    digest = parse_digest(obj.get("digest"), field=f"{path}.digest")
    size = obj.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise FormatError(f"expected a non-negative integer, found {size!r}", field=f"{path}.size")
    data = None
    data_text = _string(obj, "data", path)
    if data_text is not None:
        try:
            data = base64.b64decode(data_text, validate=True)
        except binascii.Error as exc:
            raise FormatError(
                f"expected base64, found {data_text[:40]!r}", field=f"{path}.data"
            ) from exc
        if len(data) != size or not digest.matches(data):
            raise FormatError(
                f"expected embedded data of {size} bytes with digest {digest}, found "
                f"{len(data)} bytes with digest {digest_of(data, digest.algorithm)}",
                field=f"{path}.data",
            )
    platform = obj.get("platform")
    return Descriptor(
        media_type=media_type,
        digest=digest,
        size=size,
        artifact_type=_media_type(obj, "artifactType", path, required=False),
        annotations=_string_map(obj, "annotations", path),
        urls=_string_list(obj, "urls", path),
        data=data,
        platform=None if platform is None else _parse_platform(platform, f"{path}.platform"),
    )


def _schema_version(obj: Mapping[str, Any], path: str) -> None:
    version = obj.get("schemaVersion")
    if version != 2 or isinstance(version, bool):
        raise FormatError(f"expected 2, found {version!r}", field=f"{path}.schemaVersion")


def _document(
    manifest: ImageManifest | ImageIndex, body: Mapping[str, object]
) -> dict[str, object]:
    """A manifest's or index's JSON in the spec's field order: ``schemaVersion``,
    ``mediaType``, ``artifactType``, ``body`` (config and layers, or manifests), ``subject``,
    ``annotations``; absent optional fields are left out."""
    out: dict[str, object] = {"schemaVersion": 2, "mediaType": manifest.media_type}
    if manifest.artifact_type is not None:
        out["artifactType"] = manifest.artifact_type
    out.update(body)
    if manifest.subject is not None:
        out["subject"] = manifest.subject.to_json()
    if manifest.annotations:
        out["annotations"] = dict(manifest.annotations)
    return out


def _to_bytes(document: dict[str, object]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class ImageManifest:
    """manifest.md: one image (or artifact): a config and its layers."""

    config: Descriptor
    layers: tuple[Descriptor, ...]
    media_type: str = mediatypes.OCI_MANIFEST
    artifact_type: str | None = None
    subject: Descriptor | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        body = {
            "config": self.config.to_json(),
            "layers": [layer.to_json() for layer in self.layers],
        }
        return _document(self, body)

    def to_bytes(self) -> bytes:
        """Compact JSON: the bytes to push (their sha256 is the manifest digest)."""
        return _to_bytes(self.to_json())


@dataclass(frozen=True)
class ImageIndex:
    """image-index.md: manifests for several platforms, or a referrers list."""

    manifests: tuple[Descriptor, ...]
    media_type: str = mediatypes.OCI_INDEX
    artifact_type: str | None = None
    subject: Descriptor | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return _document(self, {"manifests": [m.to_json() for m in self.manifests]})

    def to_bytes(self) -> bytes:
        """Compact JSON: the bytes to push (their sha256 is the index digest)."""
        return _to_bytes(self.to_json())


def _descriptors(obj: Mapping[str, Any], key: str, path: str) -> tuple[Descriptor, ...]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise FormatError(f"expected an array, found {_type_name(value)}", field=f"{path}.{key}")
    return tuple(parse_descriptor(item, f"{path}.{key}[{i}]") for i, item in enumerate(value))


def _kind(obj: Mapping[str, Any], served_type: str | None) -> str:
    """``"manifest"`` or ``"index"``, from the declared and served media types."""
    declared = _media_type(obj, "mediaType", "manifest", required=False)
    known = mediatypes.MANIFEST_TYPES | mediatypes.INDEX_TYPES
    served = served_type.split(";")[0].strip() if served_type else None
    if declared is not None and served in known and declared != served:
        raise FormatError(
            f"the registry served {served} but the document declares mediaType {declared}; "
            "refusing an ambiguous manifest",
            field="manifest.mediaType",
        )
    media_type = declared or (served if served in known else None)
    if media_type in mediatypes.INDEX_TYPES:
        return "index"
    if media_type in mediatypes.MANIFEST_TYPES:
        return "manifest"
    if media_type is not None:
        raise FormatError(
            f"expected one of {', '.join(sorted(known))}, found {media_type}",
            field="manifest.mediaType",
        )
    has_manifests, has_layers = "manifests" in obj, "layers" in obj or "config" in obj
    if has_manifests == has_layers:
        raise FormatError(
            "expected a mediaType, or either manifests (an index) or config and layers "
            "(a manifest); found neither or both",
            field="manifest",
        )
    return "index" if has_manifests else "manifest"


def parse_manifest(data: bytes, served_type: str | None = None) -> ImageManifest | ImageIndex:
    """Parse manifest or index bytes; ``served_type`` is the response's ``Content-Type``."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"expected a JSON manifest, found {data[:60]!r}: {exc}") from exc
    obj = _object(document, "manifest")
    _schema_version(obj, "manifest")
    kind = _kind(obj, served_type)
    path = "manifest"
    declared = _media_type(obj, "mediaType", path, required=False)
    subject = obj.get("subject")
    common: dict[str, Any] = {
        "artifact_type": _media_type(obj, "artifactType", path, required=False),
        "subject": None if subject is None else parse_descriptor(subject, f"{path}.subject"),
        "annotations": _string_map(obj, "annotations", path),
    }
    if kind == "index":
        return ImageIndex(
            manifests=_descriptors(obj, "manifests", path),
            media_type=declared or served_type or mediatypes.OCI_INDEX,
            **common,
        )
    config = parse_descriptor(obj.get("config"), f"{path}.config")
    if config.media_type == mediatypes.OCI_EMPTY and common["artifact_type"] is None:
        raise FormatError(
            f"expected an artifactType since config.mediaType is {mediatypes.OCI_EMPTY} "
            "(manifest.md §artifactType), found none",
            field=f"{path}.artifactType",
        )
    return ImageManifest(
        config=config,
        layers=_descriptors(obj, "layers", path),
        media_type=declared or served_type or mediatypes.OCI_MANIFEST,
        **common,
    )
