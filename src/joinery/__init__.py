"""Joinery: negotiated governance and co-produced public services."""
