"""committee-papers: scanned Swedish committee papers in, verified and reconciled data out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("committee-papers")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
