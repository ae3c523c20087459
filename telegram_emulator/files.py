"""Files: uploads (multipart or attach://), file ids and URLs, sendDocument and sendPhoto,
getFile and the downloads python-telegram-bot fetches from /file/bot<token>/<path>.
"""

from __future__ import annotations

import copy
import mimetypes
import re
from typing import Any

from telegram_emulator.http import Handler
from telegram_emulator.protocol import ApiError, UploadedFile, bad
from telegram_emulator.state import EmulatorState

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class FilesMixin(EmulatorState):
    """Stored files, the methods that send them and their download URLs."""

    def _register_file(
        self, content: bytes, file_name: str | None, mime_type: str | None, folder: str
    ) -> dict[str, Any]:
        """Store bytes; returns {file_id, file_unique_id, file_size}. Lock held."""
        number = next(self._file_seq)
        file_id = f"BQACAgEAAxkBAAIE{number:08d}{'x' * 20}"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        entry = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:08d}",
            "file_size": len(content),
            "file_path": f"{folder}/file_{number}{extension}",
            "content": content,
            "file_name": file_name,
            "mime_type": mime_type,
        }
        self._files[file_id] = entry
        return self._file_json(entry)

    @staticmethod
    def _file_json(entry: dict[str, Any]) -> dict[str, Any]:
        """The fields a Bot API file object (Document, PhotoSize, Voice...) shares."""
        return {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
        }

    @staticmethod
    def _photo_sizes(file: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {**file, "width": 90, "height": 90},
            {**file, "width": 800, "height": 800},
        ]

    def _file_param(
        self, params: dict[str, Any], files: dict[str, UploadedFile], name: str
    ) -> tuple[UploadedFile | None, str | None]:
        """An uploaded file (multipart or attach://) or a file_id/URL string."""
        value = params.get(name)
        if name in files:
            return files[name], None
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.get(value[len("attach://") :])
            if attached is None:
                raise bad(f"wrong file identifier/HTTP URL specified: {value}")
            return attached, None
        if isinstance(value, str) and value:
            return None, value
        raise bad(f"there is no {name} in the request")

    def _check_upload(self, upload: UploadedFile) -> None:
        if not upload.content:
            raise bad("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")

    def _m_send_document(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        upload, reference = self._file_param(params, files, "document")
        caption_content, caption_fields = self._caption(params)
        if upload is not None:
            self._check_upload(upload)
            name = upload.filename or "document"
            mime = (
                upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            )
            file = self._register_file(upload.content, name, mime, "documents")
            content_bytes: bytes | None = upload.content
        else:
            existing = self._files.get(reference or "")
            if existing is not None:
                name, mime, content_bytes = (
                    existing["file_name"] or "document",
                    existing["mime_type"],
                    existing["content"],
                )
                file = self._file_json(existing)
            elif reference and re.match(r"https?://", reference):
                name = reference.rsplit("/", 1)[-1] or "document"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                content_bytes = None  # never fetched: no network access
                file = self._register_file(b"", name, mime, "documents")
            else:
                raise bad("wrong file identifier/HTTP URL specified")
        document = {**file, "file_name": name, "mime_type": mime}
        record = self._new_bot_message(
            "sendDocument",
            "document",
            chat_id,
            params,
            {"document": document, **caption_content},
            {
                "document_name": name,
                "document_bytes": content_bytes,
                "document_mime": mime,
                "file_id": file["file_id"],
                **caption_fields,
            },
        )
        return copy.deepcopy(record["message"])

    def _m_send_photo(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        chat_id = self._resolve_chat(params)
        upload, reference = self._file_param(params, files, "photo")
        caption_content, caption_fields = self._caption(params)
        photo_bytes: bytes | None = None
        if upload is not None:
            self._check_upload(upload)
            photo_bytes = upload.content
            file = self._register_file(
                upload.content, upload.filename, upload.content_type or "image/jpeg", "photos"
            )
        else:
            existing = self._files.get(reference or "")
            if existing is not None:
                photo_bytes = existing["content"]
                file = self._file_json(existing)
            elif reference and re.match(r"https?://", reference):
                file = self._register_file(b"", None, "image/jpeg", "photos")
            else:
                raise bad("wrong file identifier/HTTP URL specified")
        record = self._new_bot_message(
            "sendPhoto",
            "photo",
            chat_id,
            params,
            {"photo": self._photo_sizes(file), **caption_content},
            {
                "photo_bytes": photo_bytes,
                "photo_file_id": reference if upload is None else None,
                "file_id": file["file_id"],
                **caption_fields,
            },
        )
        return copy.deepcopy(record["message"])

    def _m_get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        entry = self._files.get(str(params.get("file_id") or ""))
        if entry is None:
            raise bad("invalid file_id")
        if entry["file_size"] > 20 * 1024 * 1024:
            raise bad("file is too big")
        return {**self._file_json(entry), "file_path": entry["file_path"]}

    def _serve_file(self, handler: Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        with self._lock:
            found = None
            if token == self.token:
                found = next((f for f in self._files.values() if f["file_path"] == file_path), None)
            self._stats["file_downloads"] += 1
        if found is None:
            self._respond_json(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        self._respond(
            handler, 200, found["content"], found["mime_type"] or "application/octet-stream"
        )
