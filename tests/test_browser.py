"""The chat page in headless Chromium (Debian's), driven by Playwright, against a real server."""

import os
from pathlib import Path

import pytest

from diego.knowledge.training import DEFAULT_CORPORA

from .conftest import copy_of, trained_knowledge
from .live import LiveServer
from .test_server import corpus_replies

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_PROMPT = "Show me some HTML"
HOSTILE_REPLY = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
HOSTILE_CORPUS = f"""\
categories:
- hostile
conversations:
- - {HOSTILE_PROMPT}
  - '{HOSTILE_REPLY}'
"""
SETTLE_MS = 15_000  # longest wait for a page to catch up: the count is polled every 2 s


@pytest.fixture(scope="module")
def page_database(tmp_path_factory):
    """The default corpora, plus a reply that would run script if it were shown as HTML."""
    folder = tmp_path_factory.mktemp("page")
    hostile = folder / "hostile.yml"
    hostile.write_text(HOSTILE_CORPUS)
    return trained_knowledge(folder, [*DEFAULT_CORPORA, str(hostile)])


@pytest.fixture(scope="module")
def page_server(page_database):
    with LiveServer(page_database) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """Open the chat page in a fresh browser context; closed after the test."""
    contexts = []

    def open_(server, **context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.goto(server.http("/"))
        connected(page)
        return page

    yield open_
    for context in contexts:
        context.close()


def connected(page):
    playwright_api.expect(page.locator("#status")).to_have_attribute(
        "data-state", "open", timeout=SETTLE_MS
    )


def say(page, text):
    before = page.locator("#messages .diego").count()
    page.fill("#message", text)
    page.press("#message", "Enter")
    playwright_api.expect(page.locator("#messages .diego")).to_have_count(before + 1)
    return page.locator("#messages .diego .text").last.text_content()


def test_send_hello_and_see_diegos_reply(page_server, open_page):
    page = open_page(page_server)
    reply = say(page, "Hello")
    assert reply in corpus_replies()["Hello"]
    assert page.locator("#messages .user .text").last.text_content() == "Hello"
    assert page.input_value("#message") == ""
    # The user's message and Diego's are told apart by more than a class name.
    user_bg = page.locator("#messages .user").last.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    diego_bg = page.locator("#messages .diego").last.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert user_bg != diego_bg
    assert page.errors == []


def test_a_reload_shows_the_earlier_messages_of_this_session_only(page_server, open_page):
    page = open_page(page_server)
    first = say(page, "Hello")
    second = say(page, "How are you?")
    page.reload()
    connected(page)
    texts = page.locator("#messages .text").all_text_contents()
    assert texts == ["Hello", first, "How are you?", second]
    assert page.locator("#messages .earlier").count() == 4
    assert say(page, "Hello") in corpus_replies()["Hello"]
    assert page.errors == []

    stranger = open_page(page_server)  # a new browser context: another session
    stranger.wait_for_timeout(500)
    assert stranger.locator("#messages li").count() == 0


def test_empty_input_sends_nothing(page_server, open_page):
    page = open_page(page_server)
    page.fill("#message", "   ")
    page.press("#message", "Enter")
    page.wait_for_timeout(500)
    assert page.locator("#messages li").count() == 0


def test_newest_message_is_at_the_bottom_and_in_view(page_server, open_page):
    page = open_page(page_server, viewport={"width": 360, "height": 640})
    for _ in range(8):
        say(page, "How are you?")
    last = page.locator("#messages li").last
    assert last.evaluate("e => e === e.parentElement.lastElementChild")
    playwright_api.expect(last).to_be_in_viewport()


def test_two_pages_count_two_then_one(page_server, open_page):
    first = open_page(page_server)
    second = open_page(page_server)
    for page in (first, second):
        playwright_api.expect(page.locator("#count")).to_have_text(
            "2 people talking to Diego", timeout=SETTLE_MS
        )
    second.close()
    playwright_api.expect(first.locator("#count")).to_have_text(
        "1 person talking to Diego", timeout=SETTLE_MS
    )


def test_replies_are_shown_as_text_and_never_run(page_server, open_page):
    page = open_page(page_server)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert say(page, HOSTILE_PROMPT) == HOSTILE_REPLY
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator("#messages img").count() == 0
    assert page.locator("#messages script").count() == 0


def test_usable_on_a_360_pixel_wide_phone(page_server, open_page, tmp_path):
    page = open_page(page_server, viewport={"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for selector in ("#message", "#send", "#status", "#count"):
        playwright_api.expect(page.locator(selector)).to_be_in_viewport()
    assert page.get_by_label("Message to Diego").count() == 1
    assert page.locator("#messages").get_attribute("aria-live") == "polite"
    assert say(page, "Hello") in corpus_replies()["Hello"]
    screenshots = Path(os.environ.get("DIEGO_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "chat-360.png"))


def test_page_reconnects_after_a_server_restart_and_keeps_typed_text(
    page_database, open_page, tmp_path
):
    url = copy_of(page_database, tmp_path)
    with LiveServer(url) as server:
        page = open_page(server)
        say(page, "Hello")
        page.fill("#message", "half-typed thought")
    port = server.port

    playwright_api.expect(page.locator("#status")).to_have_attribute("data-state", "closed")
    playwright_api.expect(page.locator("#message")).to_be_disabled()
    playwright_api.expect(page.locator("#hint")).to_contain_text("Reconnecting")
    assert page.input_value("#message") == "half-typed thought"

    with LiveServer(url, port=port) as restarted:
        connected(page)
        assert page.input_value("#message") == "half-typed thought"
        assert say(page, "How are you?") in corpus_replies()["How are you?"]
        assert restarted.wait_for_count(1) == 1


def test_desktop_screenshot(page_server, open_page, tmp_path):
    page = open_page(page_server, viewport={"width": 1000, "height": 700})
    for text in ("Hello", "How are you?", "What is your name?"):
        say(page, text)
    screenshots = Path(os.environ.get("DIEGO_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "chat-desktop.png"))


def test_diego_asks_when_unsure_and_a_yes_gets_the_answer(page_server, open_page):
    page = open_page(page_server)
    question = 'Did you mean "My internet is not working."?'
    assert say(page, "I have no internet access at all right now") == question
    assert say(page, "yes") in corpus_replies()["My internet is not working."]
    assert not page.errors


def test_forget_this_conversation_erases_it_and_chat_goes_on(page_server, open_page):
    page = open_page(page_server)
    say(page, "Hello")
    page.click("#forget")
    playwright_api.expect(page.locator("#messages li")).to_have_count(0)
    connected(page)
    assert say(page, "How are you?") in corpus_replies()["How are you?"]
    page.reload()
    connected(page)
    # Only what was said after forgetting is left.
    assert page.locator("#messages .text").all_text_contents()[0] == "How are you?"
    assert page.errors == []
