"""Contradictions found from the data: claims that established facts make impossible.

Each rule is a SPARQL SELECT in ``kg/sparql/rq/rules/*.rq`` returning ``?claim ?evidence ?explanation``; the
rule's ``#+ summary:`` says what it looks for. Rules compare ``xsd:date`` bounds derived from the EDTF
dates, never labels, so a finding disappears when the refuting fact is removed from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kg.namespaces import MT
from kg.sparql.questions import parse_question

__all__ = ["Finding", "Rule", "find_contradictions", "list_rules"]

_PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
_SCHEMA_URL = URIRef("https://schema.org/url")


@dataclass(frozen=True)
class Rule:
    """A contradiction rule: its name, what it looks for, and its SPARQL text."""

    name: str
    summary: str
    text: str
    path: Path


@dataclass
class Finding:
    """One impossible claim: the rule that found it, the claim, the refuting evidence, and why."""

    rule: str
    claim: str
    claim_text: str
    evidence: str
    explanation: str
    asserted_by: list[str] = field(default_factory=list)
    claim_sources: list[str] = field(default_factory=list)
    evidence_sources: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "claim": self.claim, "claim_text": self.claim_text,
            "asserted_by": " | ".join(self.asserted_by), "explanation": self.explanation,
            "evidence": self.evidence, "claim_sources": " ".join(self.claim_sources),
            "evidence_sources": " ".join(self.evidence_sources),
        }


def list_rules(directory: Path | None = None) -> list[Rule]:
    """Return the contradiction rules, sorted by name."""
    rules = []
    from kg.sparql import registry

    for rq in registry.files("rule", directory):
        question = parse_question(rq.text, name=rq.name, path=rq.path)
        rules.append(Rule(rq.name, question.summary, question.text, rq.path))
    return rules


def _urls(graph: Graph, statement: Any) -> list[str]:
    out = []
    for source in graph.objects(statement, _PROV_DERIVED):
        url = graph.value(source, _SCHEMA_URL)
        out.append(str(url) if url is not None else str(source))
    return sorted(set(out))


def _english(graph: Graph, node: Any) -> str:
    for label in graph.objects(node, RDFS.label):
        if getattr(label, "language", None) == "en":
            return str(label)
    return str(node)


def find_contradictions(graph: Graph | Any, *, rules: list[Rule] | None = None) -> list[Finding]:
    """Return every finding of every rule on *graph* (an rdflib Graph or a KnowledgeGraph).

    Examples
    --------
    >>> import kg
    >>> findings = kg.find_contradictions(kg.load())
    >>> all(f.explanation and f.claim_sources and f.evidence_sources for f in findings)
    True
    """
    graph = getattr(graph, "graph", graph)
    findings = []
    for rule in rules if rules is not None else list_rules():
        for row in graph.query(rule.text):
            claim, evidence, explanation = row[0], row[1], row[2]  # type: ignore[index]
            description = graph.value(claim, MT.description)
            findings.append(Finding(
                rule=rule.name,
                claim=str(claim),
                claim_text=str(description) if description is not None else "",
                evidence=str(evidence),
                explanation=str(explanation),
                asserted_by=sorted(_english(graph, who) for who in graph.objects(claim, MT.assertedBy)),
                claim_sources=_urls(graph, claim),
                evidence_sources=_urls(graph, evidence),
            ))
    findings.sort(key=lambda f: (f.claim, f.rule, f.evidence))
    return findings
