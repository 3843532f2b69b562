"""keyturn's test-side helpers (the local KMS peer lives in `peer.keyturn_peer`)."""
