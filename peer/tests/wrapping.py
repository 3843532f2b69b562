"""Wrapping key material for ImportKeyMaterial, as a user's HSM or openssl would, outside the
console (docs/kms.md §2.13 GetParametersForImport): the peer's tests and the end-to-end tests'
support/wrapmaterial.py use it."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding


def wrap(public_key_der: bytes, algorithm: str, material: bytes) -> bytes:
    """RSAES_OAEP_SHA_*: the material under the RSA public key with OAEP. RSA_AES_KEY_WRAP_SHA_*:
    a fresh AES-256 key under the public key with OAEP, followed by the material wrapped with
    that AES key (AES key wrap with padding, RFC 5649)."""
    public = serialization.load_der_public_key(public_key_der)
    assert isinstance(public, rsa.RSAPublicKey)
    sha = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=sha), algorithm=sha, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return public.encrypt(material, oaep)
    if algorithm.startswith("RSA_AES_KEY_WRAP"):
        aes_key = os.urandom(32)
        return public.encrypt(aes_key, oaep) + aes_key_wrap_with_padding(aes_key, material)
    raise ValueError(f"no wrapping for {algorithm}")
