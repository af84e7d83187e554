import pytest

from diego.limits import EmptyMessage, MessageTooLong, check_message


def test_message_is_stripped():
    assert check_message("  hello \n", max_length=10) == "hello"


@pytest.mark.parametrize("blank", ["", " ", "\n\t"])
def test_blank_message_is_refused_politely(blank):
    with pytest.raises(EmptyMessage, match="type something"):
        check_message(blank, max_length=10)


def test_message_at_the_limit_passes_and_one_more_is_refused():
    assert check_message("a" * 10, max_length=10) == "a" * 10
    with pytest.raises(MessageTooLong, match="under 10 characters"):
        check_message("a" * 11, max_length=10)


def test_limit_is_counted_after_stripping():
    assert check_message(" " * 50 + "hi", max_length=2) == "hi"
