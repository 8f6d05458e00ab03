"""How long SecantusDB takes for an ``_id $in`` as the list grows (why the availability
search asks seats 8 slots at a time, ``services.booking.search.SEATS_BATCH``).

    .venv/bin/python -m bench.secantus_in_batches [--documents 45000] [--runs 30]

Its own SecantusDB (a free port, a temporary directory), one collection of small documents
with string ``_id``s like the seat documents', then the median time of
``find({_id: {$in: ids}})`` for lists of 1 to 144 ids, beside a ``find_one`` by ``_id``.
"""

from __future__ import annotations

import argparse

from pymongo import MongoClient

from .secantus import median_ms, own_secantus

SIZES = (1, 2, 4, 8, 12, 16, 36, 144)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=45000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    with own_secantus("bench-in-") as uri:
        collection = MongoClient(uri)["bench"]["slots"]
        for i in range(0, args.documents, 5000):
            last = min(i + 5000, args.documents)
            collection.insert_many([{"_id": f"r:{n:07d}", "taken": 1} for n in range(i, last)])
        collection.find_one({"_id": "r:0000000"})  # warm
        one = median_ms(lambda: collection.find_one({"_id": "r:0000100"}), args.runs)
        print(f"{args.documents} documents · find_one by _id: {one:.2f} ms")
        for size in SIZES:
            ids = [f"r:{n:07d}" for n in range(100, 100 + size)]
            took = median_ms(
                lambda ids=ids: list(collection.find({"_id": {"$in": ids}}, {"taken": 1})),
                args.runs,
            )
            print(f"_id $in of {size:>3} ids: {took:8.2f} ms")


if __name__ == "__main__":
    main()
