"""Backup and restore of a whole installation (数据库备份与恢复).

The evidence vault already keeps its originals in an off-site replica (异地备份, lawtrail/storage.py
and the evidence jobs). This package puts the rest of what a lost disk would take into the same
replica: a consistent online copy of the database (cases, documents, events, the ledger), the
configuration needed to run it again (settings that are not secrets), and the signed tree heads
exported outside the database. `restore` rebuilds an empty data directory from it.

It sits at the top of the layers, beside the CLI: it reads the evidence, ledger and retention
apps; nothing imports it but the CLI and the worker.

Replica layout (keys of the replica store):

    sha256/…/<hex>                    originals (the evidence jobs' replication)
    checkpoints/checkpoint-<size>-<id>.json
                                      every signed tree head, shipped within a minute of signing
    database/<stamp>/lawtrail.sqlite3 | lawtrail.pgdump
    database/<stamp>/config.json      settings that are not secrets
    database/<stamp>/manifest.json    written last: a backup without it is incomplete
"""
