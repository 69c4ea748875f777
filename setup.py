"""The package list; everything else is in pyproject.toml.

Every package under newscrawl/, plus the top-level spiders/ and pipelines/
folders installed as newscrawl.spiders and newscrawl.pipelines (the
package-dir mapping in pyproject.toml): find_packages cannot see those two.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["newscrawl", "newscrawl.*"]) + ["newscrawl.spiders", "newscrawl.pipelines"])
