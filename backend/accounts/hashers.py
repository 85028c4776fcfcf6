"""Argon2id with OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1).

Django's defaults (m = 100 MiB, p = 8) cost about 450 ms and 100 MB of memory per hash on our
2-core servers, which turns every sign-in burst into a memory spike. OWASP's Password Storage
Cheat Sheet lists m = 19 MiB, t = 2, p = 1 as an equivalent-strength configuration. Hashes made
with other parameters still verify and are upgraded on the next sign-in (``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FairtrailArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
