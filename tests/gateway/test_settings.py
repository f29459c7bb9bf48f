"""Settings come from the environment once; a bad value names the variable."""

from __future__ import annotations

import pytest

from gateway.settings import Settings, SettingsError


def test_embedded_defaults() -> None:
    settings = Settings.from_environ({})
    assert settings.database_url == "sqlite+aiosqlite:///var/careline.db"
    assert settings.redis_url is None
    assert settings.public_url == "http://127.0.0.1:8080"
    assert not settings.twilio.configured


def test_plain_postgres_url_gets_the_async_driver() -> None:
    settings = Settings.from_environ({"CARELINE_DATABASE_URL": "postgresql://u@db/careline"})
    assert settings.database_url == "postgresql+asyncpg://u@db/careline"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"CARELINE_DATABASE_URL": "mysql://u@db/x"}, "CARELINE_DATABASE_URL"),
        ({"CARELINE_DATABASE_URL": "::::"}, "CARELINE_DATABASE_URL"),
        ({"CARELINE_REDIS_URL": "http://cache"}, "CARELINE_REDIS_URL"),
        ({"CARELINE_PUBLIC_URL": "careline.example"}, "CARELINE_PUBLIC_URL"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": "secret"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": "xyz", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID"),
        ({"CARELINE_SMTP_PORT": "smtp"}, "CARELINE_SMTP_PORT"),
        ({"CARELINE_SMTP_LISTEN_PORT": "70000"}, "CARELINE_SMTP_LISTEN_PORT"),
        ({"CARELINE_LOG_LEVEL": "LOUD"}, "CARELINE_LOG_LEVEL"),
        ({"CARELINE_RUN_DISPATCHER": "maybe"}, "CARELINE_RUN_DISPATCHER"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_environ(environ)
    assert error.value.variable == variable
    assert variable in str(error.value)


def test_secret_key_is_generated_once_and_kept(tmp_path: object) -> None:
    settings = Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path)})
    first = settings.resolved_secret_key()
    assert len(first) > 40
    assert settings.resolved_secret_key() == first
