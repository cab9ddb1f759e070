"""rpc-version-lint: keep oslo.messaging RPC APIs safe across upgrades."""

__version__ = "0.1.0"
