"""Wraps key material for ImportKeyMaterial outside the console, as a user's HSM or OpenSSL
would: `wrapmaterial.py PUBLIC_KEY_DER ALGORITHM MATERIAL OUT` (the wrapping itself is
peer/tests/wrapping.py, which the peer's tests use too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "peer" / "tests"))

from wrapping import wrap  # noqa: E402


def main() -> None:
    public_key, algorithm, material, out = sys.argv[1:5]
    Path(out).write_bytes(wrap(Path(public_key).read_bytes(), algorithm, Path(material).read_bytes()))


if __name__ == "__main__":
    main()
