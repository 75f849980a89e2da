"""The one place the package version is written (read by hatchling and by ``__init__``)."""

__version__ = "0.1.0"
