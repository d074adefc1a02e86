"""TSAClient: DER request out, DER TimeStampResp back, and the error mapping (sigstore-clients.md §7.1)."""

from __future__ import annotations

import httpx
import pytest
import rfc3161_client

from sigstack.clients.tsa import TSAClient, check_timestamp_response
from sigstack.core.tsp import build_rejection
from sigstack.errors import FormatError, NetworkError
from tests.unit.sign.fakes import timestamp_response

URL = "http://tsa.test:8080/api/v1/timestamp"


def _request() -> bytes:
    return rfc3161_client.TimestampRequestBuilder().data(b"signature bytes").build().as_bytes()


def _client(handler: object) -> TSAClient:
    return TSAClient(URL, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_request_form_and_answer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=timestamp_response(request.content))

    request_der = _request()
    with _client(handler) as tsa:
        answer = tsa.timestamp(request_der)
    (request,) = seen
    assert str(request.url) == URL  # verbatim (§3)
    assert request.headers["content-type"] == "application/timestamp-query"
    assert request.content == request_der
    assert rfc3161_client.decode_timestamp_response(answer).tst_info.nonce is not None


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_statuses_are_network_errors(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="no timestamps today")

    with _client(handler) as tsa, pytest.raises(NetworkError, match="no timestamps today"):
        tsa.timestamp(_request())


def test_unreachable_is_network_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with _client(handler) as tsa, pytest.raises(NetworkError, match="cannot reach the TSA"):
        tsa.timestamp(_request())


def test_junk_answer_is_format_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"\x30\x03\x02\x01\x00")

    with _client(handler) as tsa, pytest.raises(FormatError, match="TimeStampResp"):
        tsa.timestamp(_request())


def test_a_rejection_decodes_and_broken_answers_do_not() -> None:
    # "decodes as a TimeStampResp" (§7.1), granted or not, as rfc3161-client decides it
    granted = timestamp_response(_request())
    rejection = build_rejection("bad_alg", "no")
    for answer in (granted, rejection):
        check_timestamp_response(answer)
        rfc3161_client.decode_timestamp_response(answer)
    for broken, fragment in [
        (granted[:-1], "overruns"),
        (granted + b"\x00", "truncated DER"),
        (b"\x30\x03\x02\x01\x00", "status PKIStatusInfo"),
        (rejection[:2] + b"\x31" + rejection[3:], "status PKIStatusInfo"),
        (b"", "one DER SEQUENCE"),
    ]:
        with pytest.raises(FormatError, match=fragment):
            check_timestamp_response(broken)
        with pytest.raises(ValueError):
            rfc3161_client.decode_timestamp_response(broken)
