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
