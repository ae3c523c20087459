"""The Bot API's records and errors, shared by every area of the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None


@dataclass
class ApiCall:
    """One HTTP call to the Bot API, as received and answered.

    Attributes are also reachable as items (``call["method"]``).
    """

    seq: int
    method: str
    params: dict[str, Any]
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 0
    response: dict[str, Any] | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        return (self.response or {}).get("description")

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


STANDARD_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


class DropConnection(Exception):
    """Raised inside dispatch to close the socket without an answer."""
