"""What a run prints: findings in every format (``report``) and the
``--inventory`` of RPC APIs (``inventory``)."""
