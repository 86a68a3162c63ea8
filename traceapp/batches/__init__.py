"""Lots, member contributions, traceability events, recall and EPCIS."""
