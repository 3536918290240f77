"""How passwords are stored: Argon2id with OWASP's recommended minimum cost.

Django's own Argon2 hasher asks for 100 MiB and 8 lanes per hash; OWASP's Password
Storage Cheat Sheet recommends Argon2id with 19 MiB, 2 iterations and 1 lane as the
minimum, which is still memory-hard against GPU attacks and costs a school's server
a fraction of the CPU per sign-up and login (a busy enrollment day logs many in).
Hashes made by other hashers (Django's PBKDF2 before this) are still checked, and
upgraded at the user's next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
