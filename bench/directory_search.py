"""The directory's search around a point with filters, over 5,000 places and 20,000 actors,
against one indexed find on the same database in the same run (issue 9's benchmark).

    .venv/bin/python -m bench.directory_search [--places 5000] [--actors 20000] [--runs 200]

What runs: a SecantusDB of its own (a free port, a temporary directory) and the directory's
own search functions in this process (``place_search.search_places``, the code behind the
``search_places`` RPC, without the RPC hop: what is measured is how the search reads).

Seeding, in bulk (``insert_many``): places spread over the four demo territories' regions
(Verdon, Lozère, Baronnies, Libournais), each a full record made by the service's own rules
(``rules.places.search_words`` for its keywords, folded commune and networks), with kinds,
equipment, a status and OSM opening hours (a third without); actors as raw documents with
the indexed fields the actors' search uses (``keywords``, ``categories``, ``commune_key``,
a GeoJSON ``location``, 2dsphere), since the actors' model is another part of issue 9.

Measured, each as p50 and p99 of ``--runs`` runs:
- ``find``: one ``find_one`` by ``_id`` on the places (an indexed find), the floor;
- ``places``: 30 km around a random demo commune + kind + equipment, sorted by distance,
  first page of 20;
- ``places+text``: the same with a word (``q``);
- ``places+open_now``: the same with ``open_now`` (the hours checked on the candidates:
  the cost of evaluating OSM rules outside the database);
- ``actors``: 30 km around the same point + a category (one ``find`` with the same shared
  filters, ``rules.filters``), 20 results.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from bson import ObjectId

from .secantus import own_secantus

CENTRES = {  # (lat, lon) of a commune of each demo territory
    "Riez": (43.8186, 6.0928),
    "Mende": (44.5181, 3.5003),
    "Nyons": (44.3608, 5.1405),
    "Pomerol": (44.9306, -0.1986),
}
NETWORKS = ["SoLozère", "Sud Tiers-Lieux", "Innover en Baronnies", "Verdon Tiers-Lieux"]
HOURS = ["Mo-Fr 09:00-18:00", "Tu-Sa 10:00-19:00; Su 10:00-12:00", "Mo-Fr 09:00-12:00,14:00-17:00"]
NAMES = ["Tiers-lieu", "La Fabrique", "L'Atelier", "Espace", "La Ruche", "Le Local", "Coworking"]
COMMUNES = ["Riez", "Mende", "Florac", "Nyons", "Buis", "Pomerol", "Castellane", "Langogne"]
CATEGORIES = ["sleep", "eat", "go_out", "childcare", "it_services", "coworking", "crafts"]
TRADES = ["menuisier", "gîte", "traiteur", "informaticien", "céramiste", "boulanger", "nounou"]


def percentiles(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p99 of ``runs`` calls, in milliseconds (after two warm-up calls)."""
    call()
    call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def near(rng: random.Random) -> tuple[float, float]:
    lat, lon = rng.choice(list(CENTRES.values()))
    return lat + rng.uniform(-0.6, 0.6), lon + rng.uniform(-0.8, 0.8)


def place_document(rng: random.Random, n: int) -> dict:
    from contracts.directory import Equipment, PlaceKind
    from services.common.text import fold
    from services.directory.rules import places as rules

    lat, lon = near(rng)
    commune = rng.choice(COMMUNES)
    record = {
        "name": f"{rng.choice(NAMES)} {n}",
        "commune": commune,
        "postal_code": "48000",
        "status": rng.choice(["open", "open", "open", "project", "closed"]),
        "kinds": rng.sample([k.value for k in PlaceKind], 2),
        "equipment": rng.sample([e.value for e in Equipment], 4),
        "networks": [rng.choice(NETWORKS)],
        "opening_hours": rng.choice([*HOURS, None]),
        "summary": "Un tiers-lieu pour travailler, se former et se rencontrer.",
    }
    return {
        "_id": ObjectId(),
        **record,
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "slug": f"lieu-{n}",
        "keywords": rules.search_words(record),
        "name_key": fold(record["name"]),
        "commune_key": fold(commune),
        "network_keys": rules.folded_list(record["networks"]),
        "version": 1,
    }


def actor_document(rng: random.Random, n: int) -> dict:
    from services.common.text import fold, keywords

    lat, lon = near(rng)
    commune, trade = rng.choice(COMMUNES), rng.choice(TRADES)
    return {
        "_id": ObjectId(),
        "name": f"Acteur {n}",
        "trade": trade,
        "categories": rng.sample(CATEGORIES, 2),
        "commune": commune,
        "commune_key": fold(commune),
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "keywords": keywords([f"Acteur {n}", trade, commune]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=5000)
    parser.add_argument("--actors", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)

    from services.common.db import connect, ensure_indexes
    from services.directory import place_search
    from services.directory.models import ALIAS, Place
    from services.directory.rules import filters

    rng = random.Random(9)
    with own_secantus("bench-directory-") as uri:
        db = connect(ALIAS, uri, "directory", timeout_ms=10000)
        ensure_indexes(Place)
        places = db[Place._meta["collection"]]
        actors = db["actors"]
        for index in ("keywords", "categories", "commune_key"):
            actors.create_index(index)
        actors.create_index([("location", "2dsphere")])
        began = time.perf_counter()
        for start in range(0, args.places, 1000):
            stop = min(start + 1000, args.places)
            places.insert_many([place_document(rng, n) for n in range(start, stop)])
        for start in range(0, args.actors, 2000):
            stop = min(start + 2000, args.actors)
            actors.insert_many([actor_document(rng, n) for n in range(start, stop)])
        print(
            f"seeded {args.places} places, {args.actors} actors "
            f"in {time.perf_counter() - began:.0f} s"
        )
        some_id = places.find_one({}, {"_id": 1})["_id"]
        points = [CENTRES[c] for c in CENTRES]
        pick = iter(rng.choice(points) for _ in range(10**7))

        def search(**more) -> dict:
            lat, lon = next(pick)
            base = {"lat": lat, "lon": lon, "radius_km": 30, "kind": ["coworking"]}
            return place_search.search_places({**base, "equipment": ["wifi"], **more})

        def actor_search() -> list:
            lat, lon = next(pick)
            query = filters.merge(
                filters.within_radius(lat, lon, 30), filters.any_of("categories", ["eat"])
            )
            return list(actors.find(query).limit(20))

        sample = search()
        print(f"a search around a point finds {sample['total']} places (first page of 20)")
        rows = [
            ("find (one indexed find_one by _id)", lambda: places.find_one({"_id": some_id})),
            ("places: 30 km + kind + equipment", search),
            ("places: + text", lambda: search(q="atelier")),
            ("places: + open_now (hours checked)", lambda: search(open_now=True)),
            ("actors: 30 km + category", actor_search),
        ]
        floor = None
        print(f"{'what':<40} {'p50 ms':>8} {'p99 ms':>8} {'p50 / find':>10}")
        for label, call in rows:
            p50, p99 = percentiles(call, args.runs)
            floor = floor or p50
            print(f"{label:<40} {p50:8.2f} {p99:8.2f} {p50 / floor:9.1f}x")


if __name__ == "__main__":
    main()
