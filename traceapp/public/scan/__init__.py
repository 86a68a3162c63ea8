"""The scan path, in one place: a shopper's scan of a label, from the URL to the logged row.

- :mod:`.route`: which label a path names, and whether a ``/01/`` request gets the page or
  the GS1 resolver's redirect or linkset (one decision for both paths);
- :mod:`.limits`: the per-client limit on scan pages;
- :mod:`.connection`: the scan's own database connection (a context manager);
- :mod:`.clients`: who scanned, kept only as a keyed hash and a device class;
- :mod:`.resolve`: the label behind a serial and the clone rules' counts;
- :mod:`.log`: the scan log, written in small batches, its columns read from the ORM table;
- :mod:`.response`: the page a scan shows and the one header builder (the resolver's Vary,
  Content-Location and CORS included).

The fast path (:mod:`traceapp.public.fastpath`) and Flask's views call these same pieces.
"""
