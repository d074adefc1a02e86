"""Admission webhook speed: ``sigstack serve admission`` over HTTPS on loopback.

Starts ``sigstack up`` and Debian's ``docker-registry``, pushes ``--images`` tiny images and
signs each keylessly (cosign v3 bundle referrer) with sigstack's ``Signer``, then starts the
webhook (``--tls-self-signed localhost``) with one keyless ClusterImagePolicy naming the
signer. Two measurements, each an AdmissionReview v1 CREATE of a one-container Pod:

* **cold check**: the first ``/validate`` for each image (one warm keep-alive connection to
  the webhook): the webhook reads the image's signatures from the registry and verifies
  them in full (chain, SCT, log inclusion, identity). One image is checked first and left
  out, so process start-up costs are not counted. Target p50 < 100 ms.
* **warm cache**: the same verified image at a fixed rate (``--rate``, default 200
  requests/s) for ``--seconds`` by an open-loop generator (asyncio, a small pool of
  keep-alive HTTPS connections, hand-written HTTP/1.1): each request is sent at its
  scheduled time and its latency counted from that time, so a stall delays the next
  requests' clocks too (no coordinated omission). wrk2 is not available and wrk is
  closed-loop, hence this generator. Target p99 < 10 ms.

Usage: python benchmarks/bench_admission.py [--images N] [--rate R] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import ssl
import statistics
import time

from _common import WORK, machine, percentile, start_local_stack

from sigstack.clients.registry import RegistryClient, StaticCredentials
from sigstack.clock import utc_now
from sigstack.oci.sign import sign_image
from sigstack.sign import Signer, SigningContext
from sigstack.testing.admission import AdmissionProcess, pod_review, start_admission
from sigstack.testing.images import make_image, push_image
from sigstack.testing.registry import start_registry

EMAIL = "bench-admission@example.com"


def _policy(registry: str, issuer: str) -> str:
    return f"""apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: bench-keyless
spec:
  images:
  - glob: "{registry}/bench/**"
  authorities:
  - keyless:
      identities:
      - issuer: {issuer}
        subject: {EMAIL}
"""


def cold_checks(webhook: AdmissionProcess, images: list[str]) -> list[float]:
    """Milliseconds of the first ``/validate`` of each image (all must be allowed)."""
    times = []
    with webhook.client(timeout=30) as http:
        http.get("/healthz")
        for image in images:
            body = json.dumps(pod_review([image])).encode()
            start = time.perf_counter()
            response = http.post("/validate", content=body)
            times.append((time.perf_counter() - start) * 1000)
            answer = response.json()["response"]
            assert answer["allowed"], answer
    return times


async def _open_loop(
    port: int, context: ssl.SSLContext, body: bytes, rate: float, seconds: float, pool_size: int
) -> tuple[list[float], int, float]:
    """(latencies in ms from each scheduled send, failures, achieved rate)."""
    head = (
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    request = head + body
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(pool_size):
        pool.put_nowait(await asyncio.open_connection("localhost", port, ssl=context))
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    failures = 0
    finished = 0.0

    async def one(scheduled: float) -> None:
        nonlocal failures, finished
        reader, writer = await pool.get()
        writer.write(request)
        await writer.drain()
        header = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in header.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        data = await reader.readexactly(length)
        now = loop.time()
        latencies.append((now - scheduled) * 1000)
        finished = max(finished, now)
        if not header.startswith(b"HTTP/1.1 200") or b'"allowed":true' not in data:
            failures += 1
        pool.put_nowait((reader, writer))

    count = int(rate * seconds)
    start = loop.time() + 0.2
    tasks = []
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return latencies, failures, count / (finished - start)


def _cache_line(webhook: AdmissionProcess) -> str:
    with webhook.client() as http:
        text = http.get("/metrics").text
    return " ".join(
        line.split("{")[1].replace('"}', "").replace('event="', "")
        for line in text.splitlines()
        if line.startswith("sigstack_admission_cache_events_total{")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=31, help="signed images (1 warm-up)")
    parser.add_argument("--rate", type=float, default=200.0, help="warm requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="warm phase length")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    args = parser.parse_args()
    work = WORK / "admission"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(machine())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    stack, token = start_local_stack(work, EMAIL)
    registry = start_registry(work / "registry")
    webhook = None
    try:
        trust = json.loads((stack.data_dir / "trust_config.json").read_text())
        context = SigningContext.from_trust_config(trust, now=utc_now())
        signer = Signer(context, token)
        images = []
        anonymous = StaticCredentials(None)
        with RegistryClient(registry.host, plain_http=True, credentials=anonymous) as client:
            for i in range(args.images):
                repo = f"bench/app{i}"
                digest = push_image(client, repo, make_image(f"bench image {i}"), tag="v1").digest
                image = f"{registry.host}/{repo}@{digest}"
                sign_image(client, image, signer)
                images.append(image)
        (work / "policies").mkdir()
        (work / "policies" / "cip.yaml").write_text(_policy(registry.host, f"{stack.url}/oidc"))
        webhook = start_admission(
            work / "webhook", "--policy", str(work / "policies"),
            "--trust-config", str(stack.data_dir / "trust_config.json"), "--log-level", "warning",
            output=work / "webhook.log",
        )  # fmt: skip
        first, *cold = cold_checks(webhook, images)
        print(f"cold check (first /validate of an image: registry + full verification), "
              f"{len(cold)} images, ms:")  # fmt: skip
        print(f"  first ever {first:6.1f} (not counted)")
        print(
            f"  p50 {percentile(cold, 50):6.1f}  p90 {percentile(cold, 90):6.1f}  "
            f"max {max(cold):6.1f}  mean {statistics.fmean(cold):6.1f}   (target p50 < 100)"
        )
        body = json.dumps(pod_review([images[1]])).encode()
        tls = ssl.create_default_context(cafile=str(webhook.ca_path))
        port = int(webhook.url.rsplit(":", 1)[1])
        latencies, failures, achieved = asyncio.run(
            _open_loop(port, tls, body, args.rate, args.seconds, args.connections)
        )
        print(
            f"warm cache, open loop at {args.rate:.0f} req/s for {args.seconds:.0f} s, "
            f"{args.connections} keep-alive HTTPS connections: {len(latencies)} requests, "
            f"{failures} failed, achieved {achieved:.1f} req/s, ms:"
        )
        print(
            f"  p50 {percentile(latencies, 50):6.2f}  p90 {percentile(latencies, 90):6.2f}  "
            f"p99 {percentile(latencies, 99):6.2f}  max {max(latencies):6.2f}   (target p99 < 10)"
        )
        print(f"  verification cache: {_cache_line(webhook)}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if webhook is not None:
            webhook.stop()
        registry.stop()
        stack.stop()


if __name__ == "__main__":
    main()
