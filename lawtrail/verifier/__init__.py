"""LawTrail's independent verifier (独立核验程序).

What an outsider (a court, the supervising legal office) runs to check what LawTrail hands
over: a signed tree head (签名树头) exported for a witness, and a proof bundle (证明包) holding
one ledger entry with its inclusion proof and, optionally, consistency proofs from older tree
heads. It needs Python 3.11 and `cryptography`, nothing of Django or the database:

    python -m lawtrail.verifier checkpoint CHECKPOINT.json --public-key AGENCY_KEY
    python -m lawtrail.verifier bundle BUNDLE.json --public-key AGENCY_KEY [--json]

Formats: checkpoint.py (signed text), entry.py (entry bytes), bundle.py (proof bundle);
the Merkle tree is RFC 6962 / RFC 9162's (merkle.py).
"""
