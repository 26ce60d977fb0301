"""What people look at: networks (``network``, ``analytics``, ``render``), pages and the site (``documents``,
``site``, ``citations``, ``article``), the timeline, and notebook helpers.

Layer: reads the graph only through named questions and projections (``kg.sparql``), so a page, a table and
a network show the same answer; may import ``kg.graph`` for loading and the top-level modules.
"""
