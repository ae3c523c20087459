"""The bot itself: getMe, the command menus (setMyCommands and friends), close and logOut."""

from __future__ import annotations

import contextlib
import copy
import json
import re
from typing import Any

from telegram_emulator.protocol import UploadedFile, bad
from telegram_emulator.state import EmulatorState


class ProfileMixin(EmulatorState):
    """The bot's identity and command menus."""

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set with setMyCommands for a scope/language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if isinstance(scope, str):
            with contextlib.suppress(ValueError):
                scope = json.loads(scope)
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _m_true(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        return True

    def _m_get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("too many commands")
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand JSON object")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(
        self, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[dict[str, Any]]:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _m_delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._scope_key(params.get("scope"), params.get("language_code")), None)
        return True
