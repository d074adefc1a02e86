"""Image verification speed: ``verify_image`` of a signed image on a loopback registry.

Starts ``sigstack up`` and Debian's ``docker-registry`` (distribution 2.8, no referrers API:
bundles are found through the ``sha256-<hex>`` referrers tag), pushes two tiny images and
signs one in each cosign format (legacy ``.sig`` layer; v3 bundle referrer) with sigstack's
``Signer``. Then, in this process, one warm ``RegistryClient`` (keep-alive) and one
``Verifier`` built once, each image is verified ``--rounds`` times after a warm-up:
resolve the tag, read the ``.sig`` tag and the referrers (both formats are always looked
up), fetch the blobs, verify offline, check the claims. Reports p50/p90/mean per format.

Target (issue #6): p50 < 30 ms.

Usage: python benchmarks/bench_image_verify.py [--rounds R]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import statistics
import tarfile
import time

from _common import WORK, machine, percentile, start_local_stack

from sigstack.clients.registry import RegistryClient, StaticCredentials
from sigstack.clock import utc_now
from sigstack.core.oci import Descriptor, ImageManifest, digest_of
from sigstack.core.oci import mediatypes as mt
from sigstack.oci.sign import sign_image
from sigstack.oci.verify import verify_image
from sigstack.sign import Signer, SigningContext
from sigstack.testing.registry import start_registry
from sigstack.verify import Identity, Verifier, load_trusted_root

EMAIL = "bench-image@example.com"


def _push(client: RegistryClient, repo: str, text: str) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text.encode()))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers",
                                    "diff_ids": [str(digest_of(raw.getvalue()))]}}).encode()  # fmt: skip
    client.push_blob(repo, config)
    client.push_blob(repo, layer)
    manifest = ImageManifest(
        config=Descriptor.of(config, mt.OCI_CONFIG),
        layers=(Descriptor.of(layer, mt.OCI_LAYER_GZIP),),
    )
    client.put_manifest(repo, manifest, tag="v1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    work = WORK / "image-verify"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(machine())
    stack, token = start_local_stack(work, EMAIL)
    registry = start_registry(work / "registry")
    try:
        trust = json.loads((stack.data_dir / "trust_config.json").read_text())
        context = SigningContext.from_trust_config(trust, now=utc_now(), rekor_version=1)
        root = load_trusted_root(json.dumps(trust["trustedRoot"]))
        verifier = Verifier(root, clock=utc_now)
        policy = Identity(EMAIL, f"{stack.url}/oidc")
        anonymous = StaticCredentials(None)
        with RegistryClient(registry.host, plain_http=True, credentials=anonymous) as client:
            for fmt in ("legacy", "bundle"):
                _push(client, f"bench/{fmt}", f"bench {fmt}")
                sign_image(client, f"{registry.host}/bench/{fmt}:v1", Signer(context, token),
                           format=fmt, annotations={"real": "true"})  # type: ignore[arg-type]  # fmt: skip
            print(f"{args.rounds} verifications per format, one warm connection, p50/p90/mean ms")
            for fmt in ("legacy", "bundle"):
                ref = f"{registry.host}/bench/{fmt}:v1"
                for _ in range(10):
                    verify_image(client, ref, verifier, policy, annotations={"real": "true"})
                times: list[float] = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    result = verify_image(
                        client, ref, verifier, policy, annotations={"real": "true"}
                    )
                    times.append((time.perf_counter() - start) * 1000)
                    assert len(result.signatures) == 1
                print(
                    f"  {fmt:7s} p50 {percentile(times, 50):6.2f}  p90 {percentile(times, 90):6.2f}"
                    f"  mean {statistics.fmean(times):6.2f}"
                )
    finally:
        registry.stop()
        stack.stop()


if __name__ == "__main__":
    main()
