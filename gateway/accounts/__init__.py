"""The gateway's own data about members: accounts, web sessions, API tokens, single-use
links, in the gateway's database (``<territory>_gateway``).

- ``models``: the HTTP shapes (sign-up, profile…) and the audience typology.
- ``secrets``: random secrets, their digests, argon2id password hashes.
- ``store``: the collections, their indexes, and every read and write of them.

Secrets at rest: passwords as argon2id hashes; session ids, API tokens and link tokens as
SHA-256 digests (they are 256-bit random values: a fast digest is enough, and whoever reads
the database cannot use what they read). See docs/security.md.
"""
