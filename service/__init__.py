"""fieldroute HTTP service and command line (depends on ``solver``, never the reverse)."""
