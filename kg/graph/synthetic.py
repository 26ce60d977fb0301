"""Synthetic repression records, shaped like Memorial's lists and like our own graph, for scale tests.

Each synthetic person has the statements our curated people have, in our ontology's terms, so the
named questions, checks, projections and exports run on it unchanged: labels in English and Russian,
a birth (year), an arrest (date, region), an accusation under a paragraph of Article 58 at a trial
(a troika or court session of the region), a sentence (death or years of camp), for most of the
shot an execution, for many a rehabilitation, sometimes testimony against a co-accused, each with a
status and a source; plus the direct triples a build derives (``mt:defendantIn``, ``mt:deathDate`` ...).

The output is N-Triples written line by line (nothing is held in memory but one person), and is the
same for the same seed and size. Every ``--triples`` count from 10^4 to 5x10^7 is reached to within
one person (about 60 triples).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.namespaces import BASE

__all__ = ["ARTICLE_58", "generate", "lines", "write"]

_MT = f"<{BASE}ontology#"
_ID = BASE + "id/"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
_URL = "<https://schema.org/url>"
_TITLE = "<http://purl.org/dc/terms/title>"
_XSD_DATE = "^^<http://www.w3.org/2001/XMLSchema#date>"
_XSD_INT = "^^<http://www.w3.org/2001/XMLSchema#integer>"
_XSD_BOOL = "^^<http://www.w3.org/2001/XMLSchema#boolean>"


def _mt(local: str) -> str:
    return f"{_MT}{local}>"


#: The paragraphs of Article 58 of the RSFSR Criminal Code (1926) used as charges: (paragraph, en, ru).
ARTICLE_58 = [
    ("58-1a", "treason", "измена Родине"),
    ("58-2", "armed uprising", "вооружённое восстание"),
    ("58-6", "espionage", "шпионаж"),
    ("58-7", "wrecking", "вредительство"),
    ("58-8", "terrorist acts", "террористические акты"),
    ("58-9", "sabotage", "диверсия"),
    ("58-10", "anti-Soviet agitation", "антисоветская агитация"),
    ("58-11", "counter-revolutionary organisation", "участие в контрреволюционной организации"),
    ("58-14", "counter-revolutionary sabotage", "контрреволюционный саботаж"),
]
_REGIONS = [("moscow-oblast", "Moscow Oblast", "Московская область"), ("leningrad-oblast", "Leningrad Oblast", "Ленинградская область"),
            ("ukrainian-ssr", "Ukrainian SSR", "Украинская ССР"), ("sverdlovsk-oblast", "Sverdlovsk Oblast", "Свердловская область"),
            ("west-siberian-krai", "West Siberian Krai", "Западно-Сибирский край"), ("byelorussian-ssr", "Byelorussian SSR", "Белорусская ССР"),
            ("gorky-krai", "Gorky Krai", "Горьковский край"), ("kazakh-ssr", "Kazakh SSR", "Казахская ССР"),
            ("far-eastern-krai", "Far Eastern Krai", "Дальневосточный край"), ("georgian-ssr", "Georgian SSR", "Грузинская ССР")]
_GIVEN = [("Ivan", "Иван"), ("Pyotr", "Пётр"), ("Nikolai", "Николай"), ("Anna", "Анна"), ("Maria", "Мария"), ("Fyodor", "Фёдор"),
          ("Grigory", "Григорий"), ("Olga", "Ольга"), ("Semyon", "Семён"), ("Yelena", "Елена"), ("Mikhail", "Михаил"), ("Vera", "Вера")]
_FAMILY = [("Ivanov", "Иванов"), ("Petrov", "Петров"), ("Smirnov", "Смирнов"), ("Kuznetsov", "Кузнецов"), ("Popov", "Попов"),
           ("Sokolov", "Соколов"), ("Lebedev", "Лебедев"), ("Kozlov", "Козлов"), ("Novikov", "Новиков"), ("Morozov", "Морозов"),
           ("Volkov", "Волков"), ("Zaitsev", "Зайцев"), ("Pavlov", "Павлов"), ("Semyonov", "Семёнов"), ("Golubev", "Голубев")]
_MAX_TRIALS_PER_REGION = 400   # troika sessions per region, 1934-1938 (fewer for small files)
_SOURCES = 200             # books of memory, archive lists, regional databases


def _lit(text: str, lang: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'


def _date(day: dt.date) -> str:
    return f'"{day.isoformat()}"{_XSD_DATE}'


def _trials_per_region(triples: int) -> int:
    return max(3, min(_MAX_TRIALS_PER_REGION, triples // 2_500))


def _shared(trials_per_region: int) -> Iterator[str]:
    """The entities every person points to: charges, regions, trials, their hearings, sources."""
    for para, en, ru in ARTICLE_58:
        iri = f"<{_ID}charge/synthetic-art{para}>"
        yield f"{iri} {_RDF_TYPE} {_mt('ChargeType')} ."
        yield f"{iri} {_LABEL} {_lit(f'Article {para}: {en}', 'en')} ."
        yield f"{iri} {_LABEL} {_lit(f'статья {para}: {ru}', 'ru')} ."
    for slug, en, ru in _REGIONS:
        iri = f"<{_ID}place/synthetic-{slug}>"
        yield f"{iri} {_RDF_TYPE} {_mt('Place')} ."
        yield f"{iri} {_LABEL} {_lit(en, 'en')} ."
        yield f"{iri} {_LABEL} {_lit(ru, 'ru')} ."
        court = f"<{_ID}body/synthetic-troika-{slug}>"
        yield f"{court} {_RDF_TYPE} {_mt('Court')} ."
        yield f"{court} {_LABEL} {_lit(f'NKVD troika of {en}', 'en')} ."
        yield f"{court} {_LABEL} {_lit(f'тройка НКВД: {ru}', 'ru')} ."
    for n in range(_SOURCES):
        iri = f"<{_ID}source/synthetic-{n:03d}>"
        yield f"{iri} {_RDF_TYPE} {_mt('Source')} ."
        yield f"{iri} {_TITLE} {_lit(f'Book of memory, volume {n + 1}', 'en')} ."
        yield f'{iri} {_URL} "https://example.org/memorial/book-{n + 1}" .'
        yield f"{iri} {_mt('sourceKind')} {_mt('Inquiry')} ."
    start = dt.date(1934, 1, 1)
    for r, (slug, en, ru) in enumerate(_REGIONS):
        for k in range(trials_per_region):
            day = start + dt.timedelta(days=(k * 1826) // trials_per_region)
            trial = f"<{_ID}trial/synthetic-{slug}-{k:03d}>"
            yield f"{trial} {_RDF_TYPE} {_mt('Trial')} ."
            yield f"{trial} {_LABEL} {_lit(f'Troika session {k + 1}, {en}', 'en')} ."
            yield f"{trial} {_LABEL} {_lit(f'заседание тройки {k + 1}, {ru}', 'ru')} ."
            hearing = f"<{_ID}statement/synthetic-{slug}-{k:03d}--hearing>"
            yield f"{hearing} {_RDF_TYPE} {_mt('Hearing')} ."
            yield f"{hearing} {_mt('trial')} {trial} ."
            yield f'{hearing} {_mt("edtf")} "{day.isoformat()}" .'
            yield f"{hearing} {_mt('earliest')} {_date(day)} ."
            yield f"{hearing} {_mt('latest')} {_date(day)} ."
            yield f"{hearing} {_mt('court')} <{_ID}body/synthetic-troika-{slug}> ."
            yield f"{hearing} {_mt('place')} <{_ID}place/synthetic-{slug}> ."
            yield f"{hearing} {_mt('openness')} {_mt('ClosedTrial')} ."
            yield f"{hearing} {_mt('status')} {_mt('Established')} ."
            yield f"{hearing} {_DERIVED} <{_ID}source/synthetic-{(r * 7 + k) % _SOURCES:03d}> ."


def _person(n: int, rng: random.Random, trials_per_region: int) -> Iterator[str]:
    """The statements of person *n*: about 45-75 triples."""
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    slug = f"synthetic-{n:08d}"
    person = f"<{_ID}person/{slug}>"
    st = f"<{_ID}statement/{slug}--"
    region = rng.randrange(len(_REGIONS))
    rslug = _REGIONS[region][0]
    k = rng.randrange(trials_per_region)
    trial = f"<{_ID}trial/synthetic-{rslug}-{k:03d}>"
    trial_day = dt.date(1934, 1, 1) + dt.timedelta(days=(k * 1826) // trials_per_region)
    source = f"<{_ID}source/synthetic-{rng.randrange(_SOURCES):03d}>"
    established, alleged = _mt("Established"), _mt("Alleged")
    name_en, name_ru = f"{given[0]} {family[0]} ({n})", f"{given[1]} {family[1]} ({n})"
    yield f"{person} {_RDF_TYPE} {_mt('Person')} ."
    yield f"{person} {_LABEL} {_lit(name_en, 'en')} ."
    yield f"{person} {_LABEL} {_lit(name_ru, 'ru')} ."

    def statement(kind: str, cls: str, status: str, *pairs: tuple[str, str]) -> Iterator[str]:
        iri = f"{st}{kind}>"
        yield f"{iri} {_RDF_TYPE} {_mt(cls)} ."
        yield f"{iri} {_mt('person')} {person} ."
        for prop, value in pairs:
            yield f"{iri} {_mt(prop)} {value} ."
        yield f"{iri} {_mt('status')} {status} ."
        yield f"{iri} {_DERIVED} {source} ."

    born = rng.randrange(1870, 1915)
    yield from statement("birth", "Birth", established, ("edtf", f'"{born}"'),
                         ("earliest", _date(dt.date(born, 1, 1))), ("latest", _date(dt.date(born, 12, 31))))
    arrested = trial_day - dt.timedelta(days=rng.randrange(10, 120))
    yield from statement("arrest", "Arrest", established, ("edtf", f'"{arrested.isoformat()}"'),
                         ("earliest", _date(arrested)), ("latest", _date(arrested)),
                         ("place", f"<{_ID}place/synthetic-{rslug}>"))
    para = ARTICLE_58[rng.randrange(len(ARTICLE_58))][0]
    yield from statement("accusation", "Accusation", alleged, ("trial", trial),
                         ("charge", f"<{_ID}charge/synthetic-art{para}>"))
    shot = rng.random() < 0.55
    if shot:
        sentence = [("penalty", _mt("DeathPenalty"))]
    else:
        sentence = [("penalty", _mt("Imprisonment")), ("termYears", f'"{rng.choice((5, 8, 10, 10, 15, 25))}"{_XSD_INT}')]
    yield from statement("sentence", "Sentence", established, ("trial", trial), *sentence,
                         ("edtf", f'"{trial_day.isoformat()}"'), ("earliest", _date(trial_day)), ("latest", _date(trial_day)))
    yield f"{person} {_mt('defendantIn')} {trial} ."
    yield f"{person} {_mt('sentencedTo')} {sentence[0][1]} ."
    yield f"{person} {_mt('allegedlyGuiltyOf')} <{_ID}charge/synthetic-art{para}> ."
    if shot:
        died = trial_day + dt.timedelta(days=rng.randrange(0, 30))
        yield from statement("death", "Death", established, ("edtf", f'"{died.isoformat()}"'),
                             ("earliest", _date(died)), ("latest", _date(died)), ("manner", _mt("Execution")))
        yield f"{person} {_mt('deathDate')} {_date(died)} ."
        yield f"{person} {_mt('mannerOfDeath')} {_mt('Execution')} ."
    if rng.random() < 0.7:
        rehab = dt.date(rng.choice((1956, 1957, 1958, 1959, 1962, 1989, 1990, 1991)), rng.randrange(1, 13), rng.randrange(1, 29))
        yield from statement("rehabilitation", "Rehabilitation", established, ("edtf", f'"{rehab.isoformat()}"'),
                             ("earliest", _date(rehab)), ("latest", _date(rehab)))
        yield f"{person} {_mt('rehabilitated')} {_date(rehab)} ."
    if n > 0 and rng.random() < 0.3:
        # testimony against an earlier person of the same session, as the records of a case file have
        other = f"<{_ID}person/synthetic-{rng.randrange(max(0, n - 50), n):08d}>"
        yield from statement("testimony", "Testimony", alleged, ("against", other), ("trial", trial),
                             ("edtf", f'"{arrested.isoformat()}"'))


def lines(triples: int, *, seed: int = 1) -> Iterator[str]:
    """Yield N-Triples lines (without newline) until at least *triples* are out, ending after a whole person."""
    count = 0
    per_region = _trials_per_region(triples)
    for line in _shared(per_region):
        count += 1
        yield line
    rng = random.Random(seed)
    n = 0
    while count < triples:
        for line in _person(n, random.Random(rng.getrandbits(64)), per_region):
            count += 1
            yield line
        n += 1


def write(
    path: str | Path,
    triples: int,
    *,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Write about *triples* synthetic triples to the N-Triples file *path* (atomically); return the count.

    *progress* receives a status line about once a second ("12,345,678 / 50,000,000 triples …").
    """
    from kg.atomic import atomic_path

    if triples < 1:
        raise ValueError("the number of triples must be positive")
    count = 0
    start = last = time.monotonic()
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", buffering=1 << 20) as out:
        batch: list[str] = []
        for line in lines(triples, seed=seed):
            batch.append(line)
            if len(batch) >= 50_000:
                out.write("\n".join(batch) + "\n")
                count += len(batch)
                batch.clear()
                now = time.monotonic()
                if progress and now - last >= 1.0:
                    last = now
                    rate = count / (now - start)
                    eta = max(0.0, (triples - count) / rate) if rate else 0.0
                    progress(f"{count:,} / {triples:,} triples ({100 * count / triples:.0f}%), "
                             f"{rate / 1e6:.2f} M triples/s, about {eta:.0f} s to go")
        if batch:
            out.write("\n".join(batch) + "\n")
            count += len(batch)
    if progress:
        elapsed = time.monotonic() - start
        progress(f"wrote {count:,} triples to {path} in {elapsed:.1f} s")
    return count


def generate(triples: int, *, seed: int = 1) -> str:
    """Return the synthetic N-Triples text for small sizes (tests, doctests).

    Examples
    --------
    >>> text = generate(10_000, seed=7)
    >>> text == generate(10_000, seed=7) and text.count("\\n") >= 10_000
    True
    """
    return "\n".join(lines(triples, seed=seed)) + "\n"
