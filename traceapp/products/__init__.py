"""Products, GTINs and OCOP records."""
