"""``svcstd generate``: synthetic exports in svcstd's own format that follow the standards, or
break them in known ways (with a manifest of every planted (case, rule) breach)."""

from svcstd.generate.engine import Options, Result, generate, manifest_path, write

__all__ = ["Options", "Result", "generate", "manifest_path", "write"]
