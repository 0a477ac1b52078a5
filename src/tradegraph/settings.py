"""Settings: the only place that reads the environment (prefix ``TRADEGRAPH_``, ``.env``).

Every other package receives typed values from here through ``bootstrap``. An invalid
setting raises ``ConfigurationError`` naming the variable and what it expected.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tradegraph.core.errors import ConfigurationError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["auto", "console", "json"]
VenueKind = Literal["simulated", "binance", "binance-futures"]
ENV_PREFIX = "TRADEGRAPH_"


class Settings(BaseSettings):
    """Process-wide settings. Immutable once loaded."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(
        default=Path(".tradegraph"),
        description="Directory for the database, the market-data catalog, reports and caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file tradegraph.db in data_dir.",
    )
    log_level: LogLevel = Field(default="INFO", description="Minimum log level.")
    log_format: LogFormat = Field(
        default="auto", description="console on a TTY and json otherwise when 'auto'."
    )
    default_tenant: str = Field(default="default", min_length=1, max_length=64)
    venue: VenueKind = Field(
        default="simulated",
        description="Where orders go: the embedded simulated venue (paper) or an exchange via ccxt.",
    )
    venue_url: str | None = Field(
        default=None,
        description="Override of the exchange's REST base URL (a testnet or a local fake).",
    )
    venue_api_key: str | None = Field(default=None, description="Exchange API key (ccxt venues).")
    venue_api_secret: str | None = Field(
        default=None, description="Exchange API secret (ccxt venues)."
    )
    max_orders_per_second: float = Field(
        default=10.0, gt=0, description="Order-rate throttle per strategy (kill-switch guard)."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value and not value.startswith("sqlite:"):
            msg = "expected a SQLAlchemy URL such as sqlite:///path.db or postgresql+psycopg://u:p@host/db"
            raise ValueError(msg)
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in effect (the default SQLite file when none is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tradegraph.db').resolve()}"

    @property
    def catalog_dir(self) -> Path:
        """Root of the Parquet market-data catalog."""
        return self.data_dir / "catalog"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def venues_dir(self) -> Path:
        """Journals of the simulated venue (its state survives restarts)."""
        return self.data_dir / "venues"


def load_settings(**overrides: object) -> Settings:
    """Load settings from the environment and ``.env``; raise a clear error when invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{ENV_PREFIX}{field.upper()}={err.get('input')!r}: {err['msg']}")
        raise ConfigurationError(
            "Invalid settings: " + "; ".join(problems) + ".",
            hint="Fix or unset the named environment variable (or its line in .env).",
        ) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, loaded once."""
    return load_settings()


__all__ = ["Settings", "get_settings", "load_settings"]
