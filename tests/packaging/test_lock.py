"""The lock files pin every dependency pyproject.toml declares, within its bounds: `make run` and CI
install from them, so a dependency added to pyproject.toml without `make lock` would go missing."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CHECKOUT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (CHECKOUT / "requirements" / lock).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


@pytest.mark.parametrize(("lock", "declared"), [
    ("run.txt", PROJECT["dependencies"]),
    ("test.txt", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
])
def test_the_lock_pins_every_declared_dependency_within_its_bounds(lock, declared):
    pins = _pins(lock)
    problems = []
    for text in declared:
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in requirements/{lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_run_and_test_locks_agree():
    """`make test` installs the test lock over the run lock: a package pinned in both must be the same release."""
    run, test = _pins("run.txt"), _pins("test.txt")
    differing = {name: (run[name], test[name]) for name in run.keys() & test.keys() if run[name] != test[name]}
    assert not differing, f"run `make lock`: {differing}"
    assert run.keys() <= test.keys(), f"missing from the test lock: {sorted(run.keys() - test.keys())}"
