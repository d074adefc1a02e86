"""The TUF repository over HTTP: static files, the layout python-tuf clients fetch.

Served paths, relative to the repository URL (``/tuf`` under ``sigstack up``;
ca-tsa-oidc-tuf.md §11.2; TUF specification §5.3-§5.7):

* ``GET /<N>.root.json``, ``/<N>.snapshot.json``, ``/<N>.targets.json``: versioned
  metadata, never rewritten once published: ``Cache-Control: public, max-age=31536000, immutable``;
* ``GET /timestamp.json``: the one file that changes in place: ``Cache-Control: no-cache``;
* ``GET /targets/<sha256>.<name>``: target files named by their hash, immutable.

Everything else, including any path with ``..`` or naming the keys, answers 404 JSON
``{"code": 404, "message": ...}``; a 404 for ``<N+1>.root.json`` is how a client learns
it has the newest root (§5.3.3).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.errors import StorageError
from sigstack.services._asgi import error_response
from sigstack.services._asgi import exception_handlers as _handlers
from sigstack.services.tuf._layout import served_file
from sigstack.services.tuf.repository import TufRepository

__all__ = ["create_app"]

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"


def create_app(repo: TufRepository) -> Starlette:
    """The ASGI app serving ``repo``'s metadata directory read-only."""
    directory = repo.metadata_dir

    async def serve(request: Request) -> Response:
        path: str = request.path_params["path"]
        file = served_file(directory, path)
        if file is None:
            return error_response(404, f"no TUF metadata or target file at /{path}")
        try:
            body = file.read_bytes()
        except FileNotFoundError:  # pruned between the check and the read
            return error_response(404, f"no TUF metadata or target file at /{path}")
        except OSError as exc:
            raise StorageError(f"cannot read {file.name}: {exc}") from exc
        cache = NO_CACHE if path == "timestamp.json" else IMMUTABLE
        media = "application/json" if path.endswith(".json") else "application/octet-stream"
        return Response(body, 200, media_type=media, headers={"Cache-Control": cache})

    routes = [Route("/{path:path}", serve, methods=["GET"])]
    return Starlette(routes=routes, exception_handlers=_handlers)
