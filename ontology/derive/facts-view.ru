# The facts view: what the established-*.rq rules read (kg.derive). It is the whole build without the
# claims, so a rule that forgot to filter on status still cannot turn an allegation into a fact: the
# allegation is not there. Left out: every triple of a statement that has a status other than
# mt:Established. Kept of those: an accusation's act triples (who was charged at which trial, in
# absentia or not), because being charged is documented by the accusation's source whatever the
# charge's own status.
PREFIX mt: <https://w3id.org/moscow-trials/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>

INSERT { GRAPH <https://w3id.org/moscow-trials/graph/facts-view> { ?s ?p ?o } }
WHERE {
  ?s ?p ?o .
  FILTER NOT EXISTS { ?s mt:status ?status . FILTER (?status != mt:Established) }
} ;

INSERT { GRAPH <https://w3id.org/moscow-trials/graph/facts-view> { ?s ?p ?o } }
WHERE {
  ?s a mt:Accusation ; mt:status ?status .
  FILTER (?status != mt:Established)
  VALUES ?p { rdf:type mt:person mt:trial mt:inAbsentia }
  ?s ?p ?o .
}
