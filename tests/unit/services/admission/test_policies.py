"""Policy files → engines, reloaded on change, a bad reload keeps serving (real loader and
ClusterImagePolicy engine, static authorities)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sigstack.clock import utc_now
from sigstack.errors import FormatError
from sigstack.policy.engine import ImageAt, ResourceContext
from sigstack.services.admission.build import EngineOptions, engine_builder
from sigstack.services.admission.engines import EngineSet
from sigstack.services.admission.policies import PolicyFiles, PolicyReloader, generation_of
from sigstack.services.admission.registry import Registries
from sigstack.testing.admission import cluster_image_policy, write_policy

IMAGE = ImageAt("spec.containers[0].image", "registry.example/app@sha256:" + "a" * 64)
POD = ResourceContext("Pod", "v1", "prod", "web", "CREATE")


def cip(name: str, action: str, glob: str = "registry.example/**") -> str:
    static = f"  - static:\n      action: {action}\n      message: {name} says no\n"
    return cluster_image_policy(name, glob, static)


@pytest.fixture
def reloader(tmp_path: Path) -> PolicyReloader:
    (tmp_path / "policies").mkdir()
    write_policy(tmp_path / "policies" / "a.yaml", cip("first", "pass"))
    (tmp_path / "policies" / "notes.txt").write_text("not a policy")
    options = EngineOptions(registry_factory=Registries(), trust=None, clock=utc_now)
    files = PolicyFiles([tmp_path / "policies"])
    return PolicyReloader(EngineSet(), engine_builder(options), files)


def decide(reloader: PolicyReloader) -> tuple[bool, str]:
    [engine] = reloader.engines.engines
    outcome = engine.validate([IMAGE], POD)
    return outcome.allowed, outcome.message


def test_load_builds_the_cip_engine(reloader: PolicyReloader) -> None:
    generation = reloader.load()
    assert reloader.engines.generation == generation
    assert [e.name for e in reloader.engines.engines] == ["policy.sigstore.dev"]
    assert decide(reloader) == (True, "")
    assert not reloader.changed()


def test_change_reloads_and_swaps(reloader: PolicyReloader, tmp_path: Path) -> None:
    reloader.load()
    write_policy(tmp_path / "policies" / "a.yaml", cip("first", "fail"))
    assert reloader.changed()
    assert reloader.reload() is True
    allowed, message = decide(reloader)
    assert not allowed
    assert "disallowed by static policy: first says no" in message


def test_new_file_in_the_directory_is_picked_up(reloader: PolicyReloader, tmp_path: Path) -> None:
    reloader.load()
    write_policy(tmp_path / "policies" / "sub.yml", cip("second", "fail"))
    assert reloader.changed() and reloader.reload()
    assert "second says no" in decide(reloader)[1]


def test_touch_without_content_change_keeps_the_engines(
    reloader: PolicyReloader, tmp_path: Path
) -> None:
    reloader.load()
    engines = reloader.engines.engines
    write_policy(tmp_path / "policies" / "a.yaml", cip("first", "pass"))
    assert reloader.changed()
    assert reloader.reload() is False
    assert reloader.engines.engines is engines


def test_bad_reload_keeps_serving(reloader: PolicyReloader, tmp_path: Path) -> None:
    generation = reloader.load()
    write_policy(
        tmp_path / "policies" / "a.yaml", cip("first", "pass").replace("static:", "sttic:")
    )
    assert reloader.reload() is False
    assert reloader.last_error is not None and "a.yaml:" in reloader.last_error
    assert reloader.engines.generation == generation
    assert decide(reloader) == (True, "")
    write_policy(tmp_path / "policies" / "a.yaml", cip("first", "fail"))
    assert reloader.reload() is True and reloader.last_error is None


def test_first_load_refuses_a_bad_policy(tmp_path: Path) -> None:
    write_policy(tmp_path / "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    options = EngineOptions(registry_factory=Registries(), trust=None, clock=utc_now)
    reloader = PolicyReloader(EngineSet(), engine_builder(options), PolicyFiles([tmp_path]))
    with pytest.raises(FormatError, match="ConfigMap"):
        reloader.load()


def test_background_thread_reloads(reloader: PolicyReloader, tmp_path: Path) -> None:
    reloader._interval = 0.05
    reloader.load()
    reloader.start()
    try:
        before = reloader.engines.generation
        write_policy(tmp_path / "policies" / "a.yaml", cip("first", "fail"))
        deadline = time.monotonic() + 5
        while reloader.engines.generation == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reloader.engines.generation != before
    finally:
        reloader.stop()


def test_no_policies_at_all_denies_by_no_match(tmp_path: Path) -> None:
    options = EngineOptions(registry_factory=Registries(), trust=None, clock=utc_now)
    reloader = PolicyReloader(EngineSet(), engine_builder(options))
    reloader.load()
    allowed, message = decide(reloader)
    assert not allowed
    assert message.startswith("validation failed: no matching policies: spec.containers[0].image")


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="expected a policy file or directory, found nothing"):
        PolicyFiles([tmp_path / "nope.yaml"])


def test_generation_depends_on_names_and_content() -> None:
    a = generation_of([("a", b"x")])
    assert a == generation_of([("a", b"x")])
    assert a != generation_of([("a", b"y")])
    assert a != generation_of([("b", b"x")])
