"""The two process-wide switches the peer sets on moto before serving."""

from __future__ import annotations

from typing import Any

import moto.kms.models as kms_models
from moto import settings


class LazyPrivateKey:
    """Moto's Key makes an RSA-2048 private key for every key, symmetric ones included, which
    costs ~70 ms per CreateKey (docs/peer.md "Where moto is not KMS"). It is only used by
    Sign/Verify/GetPublicKey, so it is made on first use instead."""

    def __init__(self, key_spec: str) -> None:
        self._key_spec = key_spec
        self._key: Any = None

    def _real(self) -> Any:
        if self._key is None:
            self._key = _generate_private_key(self._key_spec)
        return self._key

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy/pickle probes; never generate a key for those
            raise AttributeError(name)
        return getattr(self._real(), name)


_generate_private_key = kms_models.generate_private_key


def configure() -> None:
    # Signature checking on for every request: moto checks after this many unchecked ones.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    kms_models.generate_private_key = LazyPrivateKey  # type: ignore[assignment]
