"""SPARQL on any store: the engine dispatch (``engine``), remote endpoints over HTTP (``remote``), the named
questions (``questions``), the registry of ``.rq`` files by kind (``registry``) and query limits (``limits``).

The ``.rq`` files shipped with the package live in ``kg/sparql/rq/<kind>/`` (questions, projections, rules);
checks and derivation rules are published with the ontology (``ontology/checks``, ``ontology/derive``).
Layer: may import the top-level modules and ``kg.graph.stores``/``kg.graph.terms`` (where a graph lives and
its terms); nothing from views, outputs or server.
"""
