"""The auditors' console: zone register, inspections, flags, exports and statistics."""
