"""The SPARQL server's default-deny gateway (``gateway``), its sandboxed query worker (``sandbox``) and the
W3C reconciliation service (``reconcile``).

Layer: the top of the stack beside ``kg.cli``: may import everything else.
"""
