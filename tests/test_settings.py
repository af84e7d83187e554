import pytest

from settings import Settings, SettingsError


def test_defaults_with_an_empty_environment():
    settings = Settings.from_environ({})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.database_url == "sqlite:///diego.sqlite3"
    assert settings.learn_from_users is False
    assert settings.max_message_length == 1000
    assert settings.max_frame_size == 65536
    assert settings.bot_workers >= 1


def test_values_from_the_environment():
    settings = Settings.from_environ(
        {
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "DATABASE_URL": "postgresql://localhost/test",
            "LEARN_FROM_USERS": "yes",
            "MAX_MESSAGE_LENGTH": "200",
            "MAX_FRAME_SIZE": "4096",
            "BOT_WORKERS": "3",
        }
    )
    assert (settings.host, settings.port, settings.bot_workers) == ("0.0.0.0", 9000, 3)
    assert settings.learn_from_users is True
    assert (settings.max_message_length, settings.max_frame_size) == (200, 4096)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be between 0 and 65535"),
        ("LEARN_FROM_USERS", "maybe", "LEARN_FROM_USERS must be true or false"),
        ("MAX_MESSAGE_LENGTH", "2000", "MAX_MESSAGE_LENGTH must be between 1 and 1100"),
        ("MAX_FRAME_SIZE", "0", "MAX_FRAME_SIZE must be between"),
        ("BOT_WORKERS", "0", "BOT_WORKERS must be between 1"),
        ("DATABASE_URL", "not a url", "DATABASE_URL must be a SQLAlchemy URL"),
    ],
)
def test_invalid_value_names_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ({name: value})


def test_sessions_and_fallback_settings():
    key = "s" * 32
    settings = Settings.from_environ(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": key,
            "SECRET_KEY_FILE": "/tmp/key",
            "FALLBACK_REPLY": " Come again? ",
        }
    )
    assert settings.production and settings.secret_key == key
    assert settings.secret_key_file == "/tmp/key"
    assert settings.fallback_reply == "Come again?"
    assert not Settings.from_environ({}).production


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"ENVIRONMENT": "production"}, "SECRET_KEY must be set in production"),
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT must be development or production"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters long, got 5"),
        ({"FALLBACK_REPLY": "  "}, "FALLBACK_REPLY must not be empty"),
    ],
)
def test_invalid_session_settings_are_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ(environ)
