"""keyturn's local KMS peer: moto's server behind a WSGI front that behaves more like AWS KMS.

Run `python -m peer.keyturn_peer --help` from the repository root. This package is imported
before moto on purpose (see __main__), so keep moto imports out of this file.
"""
