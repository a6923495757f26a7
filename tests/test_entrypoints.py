"""The cached entry-point scan: reused while nothing is installed, redone as soon as metadata changes."""

from __future__ import annotations

import os

import pytest

from gankit import entrypoints


def _install(site, name: str, entry: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[gankit-test]\n{entry}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GANKIT_NO_EP_CACHE", raising=False)
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def test_cached_scan_is_reused_until_metadata_changes(site, monkeypatch):
    _install(site, "alpha", "alpha = json")
    first = entrypoints.entry_points("gankit-test")
    assert [(ep.name, ep.dist, ep.version) for ep in first] == [("alpha", "alpha", "1.0")]
    assert first[0].load().__name__ == "json"

    def no_scan(group):
        raise AssertionError("scanned although nothing changed")

    with monkeypatch.context() as patch:
        patch.setattr(entrypoints, "_scan", no_scan)
        assert entrypoints.entry_points("gankit-test") == first

    _install(site, "beta", "beta = os.path:join")  # a new distribution: scanned again
    found = {ep.name: ep for ep in entrypoints.entry_points("gankit-test")}
    assert set(found) == {"alpha", "beta"} and found["beta"].load() is os.path.join

    entry_file = site / "alpha-1.0.dist-info" / "entry_points.txt"  # an edited entry point, same folder
    entry_file.write_text("[gankit-test]\ngamma = json\n")
    os.utime(entry_file, ns=(1, 1))
    assert {ep.name for ep in entrypoints.entry_points("gankit-test")} == {"beta", "gamma"}


def test_unreadable_cache_is_rescanned(site, tmp_path):
    _install(site, "alpha", "alpha = json")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "entry-points.json").write_text("{not json")
    assert [ep.name for ep in entrypoints.entry_points("gankit-test")] == ["alpha"]
