"""Users, roles, login sessions, API tokens and the tenant-scoping helpers."""
