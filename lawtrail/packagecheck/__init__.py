"""The offline checker of LawTrail archive packages (归档包) and of BagIt bags in general.

Runs without Django and without a database (`python -m lawtrail.packagecheck FILE`): it
needs the standard library, `cryptography` (Ed25519, via lawtrail.verifier) and, if it is
installed, `pypdf` to open PDFs (without it a PDF is checked by its header and trailer).
"""
