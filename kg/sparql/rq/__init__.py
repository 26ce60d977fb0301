"""The ``.rq`` files shipped with the package, one folder per kind (see :mod:`kg.sparql.registry`)."""
