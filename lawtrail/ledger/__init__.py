"""账本: the tamper-evident ledger of every domain event (RFC 6962 Merkle tree, signed tree heads)."""
