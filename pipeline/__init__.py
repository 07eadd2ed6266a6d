"""committee-papers: scanned Swedish committee papers in, verified and reconciled data out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("committee-papers")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


def __getattr__(name: str) -> object:
    """`from pipeline import open_store`, imported only when asked for (the command line never loads pandas for it)."""
    if name == "open_store":
        from pipeline.api import open_store

        return open_store
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
