"""fieldroute solver library: domain model, road networks, day routing, territories.

This package has no web framework in it: notebooks and batch jobs use it directly.
"""
