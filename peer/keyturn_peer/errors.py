"""KMS errors as the awsJson1_1 protocol sends them.

Body `{"__type": code, "message": text}`; HTTP 400 for every client error and 500 for server
faults, as the API reference lists them (docs/kms.md §1.6 Error responses).
"""

from __future__ import annotations

from typing import Any


class KmsError(Exception):
    """One JSON-protocol error (KMS, or Organizations with `message_key="Message"` and extra
    members such as `Reason`); the front renders it (body, status, x-amzn-ErrorType)."""

    def __init__(self, code: str, message: str, status: int = 400,
                 fields: dict[str, Any] | None = None, message_key: str = "message") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = dict(fields or {})
        self.message_key = message_key

    def body(self) -> dict[str, Any]:
        return {"__type": self.code, self.message_key: self.message, **self.fields}


# The modelled KMS error shapes (docs/kms.md §2.11 KMS error codes).
def not_found(message: str) -> KmsError:
    return KmsError("NotFoundException", message)


def invalid_arn(message: str) -> KmsError:
    return KmsError("InvalidArnException", message)


def invalid_marker() -> KmsError:
    return KmsError("InvalidMarkerException", "Invalid marker")


def unsupported(message: str) -> KmsError:
    return KmsError("UnsupportedOperationException", message)


def disabled(arn: str) -> KmsError:
    return KmsError("DisabledException", f"{arn} is disabled.")


def invalid_state(arn: str, state: str) -> KmsError:
    return KmsError("KMSInvalidStateException", f"{arn} is {state}.")


def limit_exceeded(message: str) -> KmsError:
    return KmsError("LimitExceededException", message)


def conflict(message: str) -> KmsError:
    return KmsError("ConflictException", message)


def internal(message: str) -> KmsError:
    return KmsError("KMSInternalException", message, status=500)


def validation(member: str, value: object, constraint: str) -> KmsError:
    # Model-constraint failures: the coral front-end's ValidationException wording. The common
    # errors list only the generic ValidationError (docs/kms.md §1.7 Common errors); botocore's
    # model carries the ranges (e.g. RotationPeriodInDays 90..2560, §2.8 EnableKeyRotation), so
    # a violation never reaches the service logic: ValidationException is what AWS JSON
    # services answer for those.
    shown = "null" if value is None else f"'{value}'"
    return KmsError(
        "ValidationException",
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def serialization(message: str) -> KmsError:
    return KmsError("SerializationException", message)
