"""The public register: cooperatives, their collective marks and products, and zone codes."""
