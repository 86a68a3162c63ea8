"""Cooperatives (the tenants) and their members."""
