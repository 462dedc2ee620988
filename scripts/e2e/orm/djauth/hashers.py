"""The matrix app's password hasher: Django's PBKDF2 with fewer rounds (the test stays fast)."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
