"""Files a build writes: exports (Turtle, JSON-LD, N-Triples, CSV), graph files (GraphML, GEXF), the build
itself (``builder``), the release bundle and hosting files.

Layer: may import ``kg.graph``, ``kg.sparql``, ``kg.display`` and the top-level modules; writes only through
``kg.atomic`` (all or nothing, default-deny output folders).
"""
