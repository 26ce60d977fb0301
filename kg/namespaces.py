"""Namespaces of the ontology and of the data, as closed vocabularies.

``MT`` is a closed :class:`rdflib.namespace.DefinedNamespace`: a typo such as ``MT.defendentIn``
raises ``AttributeError`` instead of silently minting a new IRI. A test checks that every term
listed here is defined in ``ontology/moscow-trials.ttl`` and the other way round.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = [
    "BASE",
    "BODY",
    "CHARGE",
    "DATA_PREFIXES",
    "MT",
    "PERSON",
    "PLACE",
    "SESSION",
    "SRC",
    "ST",
    "TRIAL",
    "bind_prefixes",
]

BASE = "https://w3id.org/moscow-trials/"


class MT(DefinedNamespace):
    """The Moscow Trials ontology (``mt:``)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Person: URIRef
    Organisation: URIRef
    Court: URIRef
    Place: URIRef
    Trial: URIRef
    Source: URIRef
    ChargeType: URIRef
    Concept: URIRef
    Statement: URIRef
    LifeStatement: URIRef
    TrialStatement: URIRef
    Birth: URIRef
    Death: URIRef
    Arrest: URIRef
    OfficeHolding: URIRef
    Rehabilitation: URIRef
    RehabilitationRefused: URIRef
    Kinship: URIRef
    Hearing: URIRef
    TrialRole: URIRef
    Accusation: URIRef
    Plea: URIRef
    Sentence: URIRef
    Testimony: URIRef
    DerivedProperty: URIRef
    # statement properties
    person: URIRef
    trial: URIRef
    organisation: URIRef
    place: URIRef
    status: URIRef
    assertedBy: URIRef
    assertedIn: URIRef
    charge: URIRef
    inAbsentia: URIRef
    plea: URIRef
    penalty: URIRef
    termYears: URIRef
    role: URIRef
    roleLabel: URIRef
    against: URIRef
    relative: URIRef
    kinship: URIRef
    court: URIRef
    openness: URIRef
    defendantCount: URIRef
    manner: URIRef
    edtf: URIRef
    dateAsWritten: URIRef
    earliest: URIRef
    latest: URIRef
    note: URIRef
    # entity properties
    within: URIRef
    partOf: URIRef
    sourceKind: URIRef
    wikidataId: URIRef
    # derived properties
    defendantIn: URIRef
    accusedInAbsentiaIn: URIRef
    coDefendantOf: URIRef
    presidedOver: URIRef
    prosecuted: URIRef
    testifiedAgainst: URIRef
    sentencedTo: URIRef
    memberOf: URIRef
    birthDate: URIRef
    deathDate: URIRef
    mannerOfDeath: URIRef
    rehabilitated: URIRef
    allegedlyGuiltyOf: URIRef
    # closed lists
    statusScheme: URIRef
    Established: URIRef
    Probable: URIRef
    Disputed: URIRef
    Alleged: URIRef
    Fabricated: URIRef
    penaltyScheme: URIRef
    DeathPenalty: URIRef
    Imprisonment: URIRef
    Acquittal: URIRef
    Expulsion: URIRef
    UnknownPenalty: URIRef
    pleaScheme: URIRef
    PleadedGuilty: URIRef
    PleadedNotGuilty: URIRef
    PleadedPartlyGuilty: URIRef
    roleScheme: URIRef
    PresidingJudge: URIRef
    MemberOfCourt: URIRef
    Prosecutor: URIRef
    DefenceCounsel: URIRef
    Witness: URIRef
    kinshipScheme: URIRef
    Spouse: URIRef
    Child: URIRef
    Parent: URIRef
    Sibling: URIRef
    opennessScheme: URIRef
    OpenTrial: URIRef
    ClosedTrial: URIRef
    mannerScheme: URIRef
    Execution: URIRef
    Suicide: URIRef
    DiedInCustody: URIRef
    Killed: URIRef
    NaturalCauses: URIRef
    UnknownManner: URIRef
    sourceKindScheme: URIRef
    Encyclopaedia: URIRef
    Scholarship: URIRef
    TrialRecord: URIRef
    Inquiry: URIRef
    Press: URIRef
    SeedArticle: URIRef
    # claims, evidence, assessments
    EventClaim: URIRef
    PlaceUnavailable: URIRef
    beginLatest: URIRef
    endEarliest: URIRef
    Whereabouts: URIRef
    PlaceExistence: URIRef
    Assessment: URIRef
    ArticleClaim: URIRef
    participant: URIRef
    eventKind: URIRef
    description: URIRef
    condition: URIRef
    assesses: URIRef
    finding: URIRef
    claimText: URIRef
    claimedValue: URIRef
    grade: URIRef
    gradedBy: URIRef
    recomputedBy: URIRef
    allegedlyMetWith: URIRef
    allegedlyConspiredWith: URIRef
    eventKindScheme: URIRef
    Meeting: URIRef
    Journey: URIRef
    Instruction: URIRef
    Plot: URIRef
    Murder: URIRef
    conditionScheme: URIRef
    AtLiberty: URIRef
    InPrison: URIRef
    InExile: URIRef
    findingScheme: URIRef
    Refuted: URIRef
    Corroborated: URIRef
    Unverifiable: URIRef
    gradeScheme: URIRef
    Confirmed: URIRef
    PartlyRight: URIRef
    Contradicted: URIRef
    Unverified: URIRef
    Unsupported: URIRef
    Retracted: URIRef
    # works, parts and copies (issue 13)
    Copy: URIRef
    readAt: URIRef
    tier: URIRef
    preferred: URIRef
    preferredBecause: URIRef
    tierScheme: URIRef
    OriginalPublication: URIRef
    SecondaryWork: URIRef
    CopyOfPublication: URIRef
    Aggregator: URIRef
    ArchivalDocument: URIRef
    ReferenceProject: URIRef
    # the court record (issue 15)
    Session: URIRef
    Examination: URIRef
    Retraction: URIRef
    session: URIRef
    sitting: URIRef
    examinedAs: URIRef
    namedAs: URIRef
    act: URIRef
    actLabel: URIRef
    claimedDate: URIRef
    claimedPlace: URIRef
    sittingScheme: URIRef
    MorningSitting: URIRef
    EveningSitting: URIRef
    DaySitting: URIRef
    InCameraSitting: URIRef
    examinedAsScheme: URIRef
    Accused: URIRef
    Expert: URIRef
    namedAsScheme: URIRef
    Accomplice: URIRef
    Instigator: URIRef
    Subordinate: URIRef
    ReserveMember: URIRef
    Secretary: URIRef
    Investigator: URIRef


PERSON = Namespace(BASE + "id/person/")
TRIAL = Namespace(BASE + "id/trial/")
BODY = Namespace(BASE + "id/body/")
PLACE = Namespace(BASE + "id/place/")
SRC = Namespace(BASE + "id/source/")
CHARGE = Namespace(BASE + "id/charge/")
ST = Namespace(BASE + "id/statement/")
SESSION = Namespace(BASE + "id/session/")

#: Prefixes used in the data files, in the exports and for short names on the command line.
DATA_PREFIXES: dict[str, str] = {
    "mt": str(MT._NS),
    "person": str(PERSON),
    "trial": str(TRIAL),
    "body": str(BODY),
    "place": str(PLACE),
    "src": str(SRC),
    "charge": str(CHARGE),
    "st": str(ST),
    "session": str(SESSION),
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "bibo": "http://purl.org/ontology/bibo/",
}


def bind_prefixes(graph):  # type: ignore[no-untyped-def]
    """Return *graph* with the project's prefixes bound (for readable Turtle and short names)."""
    for prefix, iri in DATA_PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
