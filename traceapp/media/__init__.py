"""Uploaded images (logos, product photos): checked, re-encoded and kept in the database."""
