"""Packaging that pyproject.toml cannot say: the repository's demos/ ship as `match.demos`.

Everything else (name, version, metadata, package data) is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["match", "match.*"]), "match.demos"],
    package_dir={"match.demos": "demos"},
)
