"""Collective marks, their rules of use, and grants of use to members."""
