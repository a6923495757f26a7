"""Shared fixtures: a private gankit cache, tiny DCGAN options, and ways to call the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["-o", "ngf=8", "-o", "ndf=8", "--image-size", "16", "--batch-size", "16"]
"""CLI flags for a DCGAN small enough to train a few steps in well under a second."""


@pytest.fixture(scope="session", autouse=True)
def gankit_cache(tmp_path_factory) -> Path:
    """A cache folder of the test session's own (rendered data sets live there)."""
    path = Path(os.environ.get("GANKIT_TEST_CACHE") or tmp_path_factory.mktemp("gankit-cache"))
    os.environ["GANKIT_CACHE"] = str(path)
    return path


class CLIResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err}>"

    # the names of subprocess.CompletedProcess, so that a test can call the CLI either way
    returncode = property(lambda self: self.code)
    stdout = property(lambda self: self.out)
    stderr = property(lambda self: self.err)


@pytest.fixture
def cli(capsys):
    """Run ``gankit ARGS`` in this process, returning exit code, stdout and stderr."""
    from gankit.cli import main

    def invoke(*args: str) -> CLIResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CLIResult(code, captured.out, captured.err)

    return invoke


def run_gankit(*args: str, env: dict | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run ``gankit ARGS`` as a user would, in a fresh process."""
    return subprocess.run([sys.executable, "-m", "gankit", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, **kwargs)


def assert_one_line_error(result, *fragments: str) -> None:
    """A user-facing failure: non-zero exit, one line on stderr starting with 'error:', naming what matters."""
    err = result.err if hasattr(result, "err") else result.stderr
    code = result.code if hasattr(result, "code") else result.returncode
    assert code != 0, result
    lines = [line for line in err.splitlines() if line.strip() and "step/s" not in line and "%|" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


THIRD_PARTY = Path(__file__).parent / "thirdparty"


@pytest.fixture(scope="session")
def thirdparty_site(tmp_path_factory) -> Path:
    """The test suite's third-party plugins (gankit-cgan, gankit-signals), installed with pip as their own
    distributions into a private folder: put it on PYTHONPATH to have them."""
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                             "--target", str(target), str(THIRD_PARTY / "gankit-cgan"), str(THIRD_PARTY / "gankit-signals")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture
def thirdparty_cli(thirdparty_site, cli, monkeypatch):
    """`cli` with the test suite's third-party plugins installed: their folder on sys.path (as PYTHONPATH puts it),
    the registry collected anew from the entry points found there, and the old one back afterwards."""
    from gankit import registry

    monkeypatch.syspath_prepend(str(thirdparty_site))
    monkeypatch.setattr(registry, "_registry", None)
    return cli
