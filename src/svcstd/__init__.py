"""svcstd: customer-service handbooks as versioned, checkable, publishable YAML standards."""

__version__ = "0.1.0"
