"""Everything is configured in pyproject.toml; this file only adds the language server package.

The product layout keeps the server in `server/` while it imports as `mrt_server`
(`[tool.setuptools.package-dir]`). `packages.find` can only name a package after its directory, so the
mapped package is appended here, after pyproject.toml has been applied.
"""

from setuptools import setup
from setuptools.dist import Distribution


class _Distribution(Distribution):
    def parse_config_files(self, *args, **kwargs):
        super().parse_config_files(*args, **kwargs)
        if self.packages is not None and "mrt_server" not in self.packages:
            self.packages.append("mrt_server")


setup(distclass=_Distribution)
