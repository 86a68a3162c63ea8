"""Serialised GS1 Digital Link labels, QR rendering, sheets and the scan log."""
