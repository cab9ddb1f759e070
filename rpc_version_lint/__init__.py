"""rpc-version-lint: keep oslo.messaging RPC APIs safe across upgrades."""

__version__ = "0.1.0"

# Where each rule's page is published, for SARIF's helpUri (the same text
# as rpc_version_lint/data/rules/CODE.md). A placeholder until the project
# has a public home: set it here, in one place.
RULES_URL = "https://rpc-version-lint.invalid/rules/{code}.md"
