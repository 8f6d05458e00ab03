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

The searches read the directory process's copy of the records (``snapshot.py``): the first
search of each kind loads it (printed apart: what a search pays once after every write); the
rows are the searches after it, each reading the copy's counter.
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
    """A place as ``places.create_place`` stores it: the record validated by ``PlaceIn``,
    then the service's own functions for its stored fields (point, grid cells) and search
    fields (keywords, folded commune and networks), through the model's ``to_mongo``."""
    from contracts.directory import Equipment, PlaceIn, PlaceKind
    from services.directory import places
    from services.directory.models import Place

    lat, lon = near(rng)
    commune = rng.choice(COMMUNES)
    record = PlaceIn.model_validate(
        {
            "name": f"{rng.choice(NAMES)} {n}",
            "commune": commune,
            "postal_code": "48000",
            "status": rng.choice(["open", "open", "open", "project", "closed"]),
            "location": {"lat": lat, "lon": lon},
            "kinds": rng.sample([k.value for k in PlaceKind], 2),
            "equipment": rng.sample([e.value for e in Equipment], 4),
            "networks": [rng.choice(NETWORKS)],
            "opening_hours": rng.choice([*HOURS, None]),
            "summary": "Un tiers-lieu pour travailler, se former et se rencontrer.",
        }
    ).model_dump(mode="json")
    place = Place(
        id=ObjectId(),
        slug=f"lieu-{n}",
        version=1,
        **places._stored(record),
        **places._search_fields(record),
    )
    return place.to_mongo().to_dict()


def actor_document(rng: random.Random, n: int) -> dict:
    """An actor as ``actors.create_actor`` stores it (``ActorIn``, then ``actors._fields``:
    point, grid cells, folded commune, keywords); one in five travels 10 to 40 km."""
    from contracts.directory import ActorIn
    from services.directory import actors
    from services.directory.models import Actor

    lat, lon = near(rng)
    commune, trade = rng.choice(COMMUNES), rng.choice(TRADES)
    record = ActorIn.model_validate(
        {
            "name": f"Acteur {n}",
            "trade": trade,
            "categories": rng.sample(CATEGORIES, 2),
            "commune": commune,
            "postal_code": "48000",
            "location": {"lat": lat, "lon": lon},
            "service_radius_km": rng.choice([None] * 4 + [rng.uniform(10, 40)]),
            "summary": f"{trade.capitalize()} à {commune}.",
        }
    ).model_dump(mode="json")
    return Actor(id=ObjectId(), **actors._fields(record)).to_mongo().to_dict()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=5000)
    parser.add_argument("--actors", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)

    from services.common.db import connect, ensure_indexes
    from services.directory import actor_search, place_search, upgrades
    from services.directory.models import ALIAS, Actor, Place

    rng = random.Random(9)
    with own_secantus("bench-directory-") as uri:
        db = connect(ALIAS, uri, "directory", timeout_ms=10000)
        ensure_indexes(Place)
        ensure_indexes(Actor)
        places = db[Place._meta["collection"]]
        actors = db[Actor._meta["collection"]]
        began = time.perf_counter()
        for start in range(0, args.places, 1000):
            stop = min(start + 1000, args.places)
            places.insert_many([place_document(rng, n) for n in range(start, stop)], ordered=False)
        seeded_places = time.perf_counter() - began
        for start in range(0, args.actors, 2000):
            stop = min(start + 2000, args.actors)
            actors.insert_many([actor_document(rng, n) for n in range(start, stop)], ordered=False)
        upgrades.bound_service_areas(db)  # what the service's start does
        print(
            f"seeded {args.places} places in {seeded_places:.0f} s, {args.actors} actors "
            f"in {time.perf_counter() - began - seeded_places:.0f} s"
        )
        some_id = places.find_one({}, {"_id": 1})["_id"]
        points = [CENTRES[c] for c in CENTRES]
        pick = iter(rng.choice(points) for _ in range(10**7))

        def search(**more) -> dict:
            lat, lon = next(pick)
            base = {"lat": lat, "lon": lon, "radius_km": 30, "kind": ["coworking"]}
            return place_search.search_places({**base, "equipment": ["wifi"], **more})

        def box_search() -> dict:
            lat, lon = next(pick)
            box = f"{lon - 0.35},{lat - 0.25},{lon + 0.35},{lat + 0.25}"
            return place_search.search_places({"bbox": box, "kind": ["coworking"]})

        def actors_around() -> dict:
            lat, lon = next(pick)
            criteria = {"lat": lat, "lon": lon, "radius_km": 30, "category": ["eat"]}
            return actor_search.search_actors(criteria)

        # The first search of each loads the process's copy (snapshot.py): what every search
        # after a write pays once, on each instance.
        began = time.perf_counter()
        sample = search()
        loaded = time.perf_counter() - began
        print(f"a search around a point finds {sample['total']} places (first page of 20)")
        print(f"  the first one, loading the copy of the places: {loaded * 1000:.0f} ms")
        began = time.perf_counter()
        near = actors_around()["total"]
        loaded = time.perf_counter() - began
        print(f"an actors' search around a point finds {near} actors")
        print(f"  the first one, loading the copy of the actors: {loaded * 1000:.0f} ms")
        rows = [
            ("find (one indexed find_one by _id)", lambda: places.find_one({"_id": some_id})),
            ("places: 30 km + kind + equipment", search),
            ("places: + text", lambda: search(q="atelier")),
            ("places: + open_now (hours checked)", lambda: search(open_now=True)),
            ("places: box of 0.5 x 0.7 degrees + kind", box_search),
            ("actors: 30 km + category (+ service areas)", actors_around),
        ]
        floor = None
        print(f"{'what':<44} {'p50 ms':>8} {'p99 ms':>8} {'p50 / find':>10}")
        for label, call in rows:
            p50, p99 = percentiles(call, args.runs)
            floor = floor or p50
            print(f"{label:<44} {p50:8.2f} {p99:8.2f} {p50 / floor:9.1f}x")


if __name__ == "__main__":
    main()
