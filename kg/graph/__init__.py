"""The graph and its one store: reading the data files, the dataset, derivation, validation, contradictions.

Layer: may import the top-level modules (``kg.errors``, ``kg.paths``, ``kg.namespaces``, ``kg.dates``,
``kg.atomic``) and ``kg.sparql`` (to run its rules and checks); never ``kg.display``, ``kg.outputs`` or
``kg.server`` (``validation`` reads one layer export through :func:`kg.outputs.exports.layer_graph`, imported
where it is used, the one exception).
"""
