-- Run as dba by tests/test_virtuoso.py (isql-vt), once the fresh database is up; {host} and {default_graph}
-- are filled in by str.format.
-- 1. The SPARQL user (every request to /sparql and /sparql-graph-crud) may write: kg push sends a plain
--    Graph Store PUT, and Virtuoso's authenticated endpoints (/sparql-auth, /sparql-graph-crud-auth) want
--    HTTP digest, which kg does not speak. Acceptable only because the server is on loopback and lives
--    for one test module.
GRANT SPARQL_UPDATE TO "SPARQL";
-- 2. Requests to this host get a default graph: Virtuoso has none of its own (a Graph Store request with
--    ?default is refused, and a query naming no graph reads the union of all graphs, where every triple of
--    a layer would be counted twice). Queries read it; PUT ?default replaces it.
INSERT INTO DB.DBA.SYS_SPARQL_HOST (SH_HOST, SH_GRAPH_URI) VALUES ('{host}', '{default_graph}');
