"""Configuration from the environment and ``.env`` (documented in ``.env.example``).

Everything a deployment changes lives here; handlers receive it as dispatcher data. The token is a
SecretStr so it never reaches a log line or a traceback by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from engine.settings import MAX_VIDEO_BYTES


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,  # no token in logs
    )

    bot_token: SecretStr = Field(description="token from @BotFather, like 123456:ABC-DEF")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset())
    database_url: str = "sqlite+aiosqlite:///data/digiteller.db"
    data_dir: Path = Path("data")
    telegram_api_url: str | None = None  # e.g. a local Bot API server; None = api.telegram.org
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None  # public https URL Telegram posts to (webhook mode)
    webhook_path: str = "/telegram"
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    polling_timeout: int = 10

    # Empty: the engine runs on this machine (no other service). A Redis URL, e.g.
    # redis://127.0.0.1:6379/0: jobs go to `python -m engine worker` processes on any machine.
    queue_url: str = ""
    workers: int = 1  # engine jobs at once on this machine (QUEUE_URL empty): one per accelerator
    # "process": the engine runs in a spawned worker process (models stay warm there; the bot keeps
    # the GIL, so replies stay fast during a render). "thread": in-process (tests with fakes).
    executor: Literal["thread", "process"] = "process"
    max_waiting: int = 20  # global cap: more than this waiting → "busy, try later"
    per_user_waiting: int = 2  # per user: one running plus this many waiting
    job_time_limit: float = 1800.0  # seconds before a job is stopped
    max_resumes: int = 2  # a job interrupted by restarts more often than this is given up
    upload_limit_mb: float = MAX_VIDEO_BYTES / 1_000_000  # Bot API upload limit (cloud: 50 MB = 50·10⁶ bytes)
    progress_interval: float = 1.0  # at most one status edit per chat per this many seconds
    send_retries: int = 5  # final sends (the video, error messages) on 429 / 5xx / network
    retry_base_delay: float = 1.0  # backoff for 5xx / network: base × 2^attempt
    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(
                int(x) for x in value.replace(";", ",").replace(" ", ",").split(",") if x.strip()
            )
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        head, _, tail = value.get_secret_value().partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("BOT_TOKEN must look like <digits>:<text> (the token @BotFather gave you)")
        return value

    @property
    def upload_limit(self) -> int:
        return int(self.upload_limit_mb * 1_000_000)  # the engine's MAX_VIDEO_BYTES by default

    @property
    def stories_dir(self) -> Path:
        return self.data_dir / "stories"
