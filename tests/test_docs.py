"""Every command in README.md and docs/*.md is run here, or named with the test or benchmark
that runs it, so that none goes stale; and the docs' links, settings and CI command hold."""

import contextlib
import importlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# A fenced block marked `sh` holds commands, one a line; every other block says what it is.
COMMAND_LANGUAGES = {"sh"}
OTHER_LANGUAGES = {"text", "yaml", "nginx", "json"}
FENCE = re.compile(r"^(?P<indent> *)```(?P<language>[^`\s]*)\s*$")
# An inline code span is a command when it starts with `uv`, maybe after NAME=value settings.
INLINE_COMMAND = re.compile(r"^(?:[A-Z][A-Z0-9_]*=\S*\s+)*uv\s")

# Cheap commands, run in the order the docs give them (README first, then docs/ by name),
# in a scratch folder over a temporary SQLite knowledge base: what each prints must match.
RUN = {
    "uv run python app.py --help": r"--learn",
    "uv run python client.py --help": r"--forget",
    'uv run python -c "import secrets; print(secrets.token_urlsafe(32))"': r"^[\w-]{43}$",
    "uv run python -m diego --help": r"\{train,learned,export,forget\}",
    "uv run python -m diego learned": r"exchange\(s\) learned",
    "uv run python -m diego learned --pending --since 2025-01-01": r"exchange\(s\) learned",
    "uv run python -m diego learned --help": r"--pending",
    "uv run python -m diego forget 41 42": r"Forgot 0 statement\(s\)\.",
    'uv run python -m diego forget --text "Lettuce."': r"Forgot 0 statement\(s\)\.",
    "uv run python -m diego forget --conversation 7": r"Forgot 0 statement\(s\)\.",
    "uv run python -m diego export --live -o learned.yml": r"Wrote 0 exchange\(s\) to learned.yml",
    "uv run python -m diego train learned.yml": r"Learned 0 new statements",
    "uv run python -m diego train coffee.yml": r"Learned 4 new statements; Diego now knows 4\.",
    "uv run python -m diego train --help": r"--reset",
}

# Commands too long to run here (a server, a benchmark, the test suite, a shared database):
# each names the test or benchmark that runs it, and a string that file must contain.
COVERED = {
    # The server and its clients: tests/live.py starts `python app.py` for the black-box tests.
    "uv run python app.py": ("tests/live.py", '(sys.executable, "app.py")'),
    "uv run python app.py --learn": ("tests/test_learning.py", '"--learn"'),
    "uv run python client.py": ("tests/test_client.py", "repl.main([server.ws_url])"),
    "uv run python client.py ws://127.0.0.1:8000/conversation": (
        "tests/test_client.py",
        "repl.main([server.ws_url])",
    ),
    "uv run python client.py --new": ("tests/test_client.py", 'repl.main(["--new"'),
    "uv run python client.py --forget": ("tests/test_client.py", 'repl.main(["--forget"'),
    "curl http://127.0.0.1:8000/client-count": ("tests/test_server.py", "/client-count"),
    "curl http://127.0.0.1:8000/metrics": ("tests/test_metrics.py", '"/metrics"'),
    # Several servers over Redis and PostgreSQL.
    "DATABASE_URL=postgresql://diego@db/diego uv run python -m diego train": (
        "tests/test_scale_out.py",
        '"-m", "diego", "train"',
    ),
    "export SECRET_KEY=... REDIS_URL=redis://127.0.0.1:6379/0 "
    "DATABASE_URL=postgresql://diego@127.0.0.1/diego": ("tests/test_scale_out.py", '"REDIS_URL"'),
    "export ENVIRONMENT=production TRUSTED_PROXIES=127.0.0.1 "
    "ALLOWED_ORIGINS=https://chat.example.com": (
        "tests/test_under_fire.py",
        '"TRUSTED_PROXIES": "127.0.0.1"',
    ),
    "BOT_WORKERS=1 uv run python app.py --port 8001 &": (
        "tests/test_scale_out.py",
        'BOT_WORKERS="1"',
    ),
    "BOT_WORKERS=1 uv run python app.py --port 8002 &": (
        "tests/test_scale_out.py",
        'BOT_WORKERS="1"',
    ),
    # The test suite, as CI runs it, and parts of it.
    "uv run pytest": (".ci/run", "uv run pytest"),
    "uv sync --locked": (".ci/run", "uv sync --locked"),
    "uv run pytest tests/test_docs.py": ("tests/test_docs.py", "def test_"),
    "uv run pytest tests/test_client.py -k forget": ("tests/test_client.py", "def test_forget"),
    "FUZZ_EXAMPLES=20000 uv run pytest tests/test_fuzz.py": ("tests/test_fuzz.py", "FUZZ_EXAMPLES"),
    "DIEGO_SCREENSHOT_DIR=docs uv run pytest tests/test_browser.py": (
        "tests/test_browser.py",
        "DIEGO_SCREENSHOT_DIR",
    ),
    # The benchmarks: tests/test_bench.py runs each quick form.
    "uv run python -m bench.understanding": ("tests/test_bench.py", '"bench.understanding"'),
    "uv run python -m bench.understanding --quick": (
        "tests/test_bench.py",
        '"bench.understanding"',
    ),
    "uv run python -m bench.meaning": ("tests/test_bench.py", '"bench.meaning"'),
    "uv run python -m bench.meaning --quick": ("tests/test_bench.py", '"bench.meaning"'),
    "uv run python -m bench.learning": ("tests/test_bench.py", '"bench.learning"'),
    "uv run python -m bench.learning --quick": ("tests/test_bench.py", '"bench.learning"'),
    "uv run python -m bench.full_speed": ("tests/test_bench.py", '"bench.full_speed"'),
    "uv run python -m bench.full_speed --quick": ("tests/test_bench.py", '"bench.full_speed"'),
    "uv run python -m bench.cost": ("tests/test_bench.py", '"bench.cost"'),
    "uv run python -m bench.cost --quick": ("tests/test_bench.py", '"bench.cost"'),
    "uv run python -m bench.idle": ("tests/test_bench.py", '"bench.idle"'),
    "uv run python -m bench.under_fire": ("tests/test_bench.py", '"bench.under_fire"'),
    "uv run python -m bench.under_fire --quick": ("tests/test_bench.py", '"bench.under_fire"'),
    "uv run python -m bench.scale_out": ("tests/test_bench.py", '"bench.scale_out"'),
    "uv run python -m bench.scale_out --quick": ("tests/test_bench.py", '"bench.scale_out"'),
    # The eval file is checked against what the command makes by the understanding test.
    "uv run python -m bench.eval_cases": (
        "tests/knowledge/test_understanding.py",
        "from bench.eval_cases import",
    ),
    # No test runs these two: they are benchmarks (or a build) of their own, run by hand.
    "uv run python -m bench.startup": ("bench/startup.py", "def main(argv=None)"),
    "uv run --with onnx --with onnx-ir python -m bench.build_minilm_onnx": (
        "bench/build_minilm_onnx.py",
        "uv run --with onnx --with onnx-ir python -m bench.build_minilm_onnx",
    ),
}

# Programs whose `--help` lists their flags (argparse); the others are never run here with it
# (bench.eval_cases and bench.build_minilm_onnx would write their files).
HELPFUL = {
    "app.py": "app",
    "client.py": "client",
    "diego": "diego.__main__",
    **{
        f"bench.{name}": f"bench.{name}"
        for name in (
            "cost",
            "full_speed",
            "learning",
            "meaning",
            "understanding",
            "under_fire",
            "scale_out",
            "startup",
        )
    },
}


@dataclass(frozen=True)
class Command:
    text: str
    where: str


class DocsError(ValueError):
    """A fenced block the command finder cannot classify."""


def commands_in(markdown: str, name: str = "<string>") -> list[Command]:
    """The shell commands of a markdown text: the lines of its `sh` blocks (a trailing `\\`
    continues a line; `#` lines are comments) and its inline code spans that start with `uv`.

    Raises `DocsError` for a fenced block whose language is not one we know, so that no
    command hides in an unmarked block.
    """
    commands, prose, block, language, pending, start = [], [], None, None, "", 0
    for number, line in enumerate(markdown.splitlines(), 1):
        fence = FENCE.match(line)
        if block is None and fence:
            language = fence["language"]
            if language not in COMMAND_LANGUAGES | OTHER_LANGUAGES:
                raise DocsError(
                    f"{name}:{number}: a fenced block must be marked `sh` (commands) or one "
                    f"of {sorted(OTHER_LANGUAGES)}, not {language or 'nothing'!r}"
                )
            block = fence["indent"]
            prose.append("")
            continue
        if block is not None:
            if fence and line.strip() == "```":
                block = None
            elif language in COMMAND_LANGUAGES:
                start = start if pending else number
                text = pending + line.strip()
                if text.endswith("\\"):
                    pending = text[:-1] + " "
                elif text and not text.startswith("#"):
                    commands.append(Command(" ".join(text.split()), f"{name}:{start}"))
                    pending = ""
            prose.append("")
            continue
        prose.append(line)
    if block is not None:
        raise DocsError(f"{name}: a fenced block is never closed")
    text = "\n".join(prose)
    for span in re.finditer(r"`([^`]+)`", text):
        code = " ".join(span[1].split())
        if INLINE_COMMAND.match(code):
            number = text.count("\n", 0, span.start()) + 1
            commands.append(Command(code, f"{name}:{number}"))
    return commands


def uncovered(commands: list[Command]) -> list[Command]:
    """The commands neither run here nor named with a test or benchmark."""
    return [c for c in commands if c.text not in RUN and c.text not in COVERED]


def documented_commands() -> list[Command]:
    found = []
    for path in DOCS:
        found += commands_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return found


@dataclass(frozen=True)
class Invocation:
    """A command split into its settings, its program and that program's arguments."""

    env: dict
    program: str  # app.py, client.py, diego, bench.cost, pytest, python -c, uv, ...
    args: list


def invocation(command: str) -> Invocation:
    words = [w for w in shlex.split(command) if w != "&"]
    env = {}
    while words and re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if words[:2] != ["uv", "run"]:
        return Invocation(env, words[0] if words else "", words[1:])
    words = words[2:]
    if words and words[0] == "pytest":
        return Invocation(env, "pytest", words[1:])
    words = words[words.index("python") + 1 :] if "python" in words else words
    if words[:1] == ["-m"]:
        return Invocation(env, words[1], words[2:])
    if words[:1] == ["-c"]:
        return Invocation(env, "python -c", words[1:])
    return Invocation(env, words[0], words[1:])


def help_of(program: str, args: list) -> str:
    """What `program --help` prints (for `diego`, its subcommand's help), run in-process."""
    module = importlib.import_module(HELPFUL[program])
    command = [args[0]] if program == "diego" and args and not args[0].startswith("-") else []
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        module.main([*command, "--help"])
    return out.getvalue()


# The docs as they are.


def test_every_command_in_the_docs_is_run_or_covered():
    missing = uncovered(documented_commands())
    assert not missing, (
        "commands in the docs that no test runs; add each to RUN or COVERED in "
        "tests/test_docs.py:\n" + "\n".join(f"{c.where}: {c.text}" for c in missing)
    )


def test_every_entry_of_the_tables_is_still_in_the_docs():
    documented = {c.text for c in documented_commands()}
    stale = sorted((set(RUN) | set(COVERED)) - documented)
    assert not stale, f"no longer in the docs, drop from tests/test_docs.py: {stale}"


@pytest.mark.parametrize("command", sorted(COVERED))
def test_covered_command_is_in_the_file_that_runs_it(command):
    path, needle = COVERED[command]
    file = ROOT / path
    assert file.is_file(), f"{command!r} is said to be run by {path}, which does not exist"
    assert needle in file.read_text(encoding="utf-8"), f"{path} does not run {command!r}"


def test_every_flag_of_a_documented_command_exists():
    wrong, helps = [], {}
    for command in documented_commands():
        called = invocation(command.text)
        if called.program not in HELPFUL:
            continue
        key = (called.program, called.args[0] if called.program == "diego" and called.args else "")
        if key not in helps:
            helps[key] = help_of(called.program, called.args)
        for flag in (a.partition("=")[0] for a in called.args if a.startswith("--")):
            if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", helps[key]):
                wrong.append(f"{command.where}: {command.text}: no {flag}")
    assert not wrong, "\n".join(wrong)


def test_cheap_commands_run_and_say_what_the_docs_say(tmp_path):
    for script in ("app.py", "client.py"):
        (tmp_path / script).symlink_to(ROOT / script)
    (tmp_path / "coffee.yml").write_text(example_file("coffee.yml"))
    env = {k: v for k, v in os.environ.items() if k not in setting_names()}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{tmp_path / 'knowledge.sqlite3'}",
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    ran = []
    for command in documented_commands():
        if command.text not in RUN or command.text in ran:
            continue
        called = invocation(command.text)
        argv = shlex.split(command.text)[len(called.env) :]
        assert argv[:3] == ["uv", "run", "python"], f"{command.where}: cannot run {command.text}"
        done = subprocess.run(
            [sys.executable, *argv[3:]],
            cwd=tmp_path,
            env={**env, **called.env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        out = done.stdout.strip()
        assert done.returncode == 0, f"{command.where}: {command.text}\n{out}\n{done.stderr}"
        assert re.search(RUN[command.text], out, re.MULTILINE), (
            f"{command.where}: {command.text} printed:\n{out}"
        )
        ran.append(command.text)
    assert sorted(ran) == sorted(RUN)


def test_the_readme_gives_the_test_command_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    runs = [line.strip() for line in ci.splitlines() if line.strip().startswith("uv run pytest")]
    assert runs, ".ci/run no longer runs `uv run pytest`: update the README and this test"
    readme = (ROOT / "README.md").read_text()
    tests_section = readme[readme.index("## Running the tests") :].split("\n## ")[0]
    assert runs[-1] in {c.text for c in commands_in(tests_section)}


def test_every_setting_is_in_the_configuration_reference():
    reference = (ROOT / "docs" / "operations.md").read_text()
    missing = [name for name in setting_names() if f"| `{name}` |" not in reference]
    assert not missing, f"settings.py reads {missing}; docs/operations.md does not list them"


def test_links_and_images_point_at_what_exists():
    broken = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'<img src="([^"]+)"', text)
        for target in targets:
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                broken.append(f"{path.name}: {target}: no such file")
            elif anchor and anchor not in anchors(linked.read_text(encoding="utf-8")):
                broken.append(f"{path.name}: {target}: no such heading")
    assert not broken, "\n".join(broken)


# The command finder itself.


def test_a_new_command_without_coverage_fails():
    markdown = (
        "Run it:\n\n```sh\nuv run python -m bench.cost\nuv run python -m bench.brand_new \\\n"
        "  --quick\n```\n\nor `uv run python -m diego teleport` and `FOO=1 uv sync`.\n"
        "```yaml\nnot: a command\n```\n"
    )
    commands = commands_in(markdown)
    assert [c.text for c in commands] == [
        "uv run python -m bench.cost",
        "uv run python -m bench.brand_new --quick",
        "uv run python -m diego teleport",
        "FOO=1 uv sync",
    ]
    assert [c.text for c in uncovered(commands)] == [
        "uv run python -m bench.brand_new --quick",
        "uv run python -m diego teleport",
        "FOO=1 uv sync",
    ]
    assert commands[1].where == "<string>:5"


@pytest.mark.parametrize("fence", ["```", "```console", "```bash"])
def test_a_block_not_marked_sh_or_as_something_else_is_refused(fence):
    with pytest.raises(DocsError, match="must be marked `sh`"):
        commands_in(f"# Title\n\n{fence}\nuv run python app.py\n```\n", "x.md")


def test_a_flag_the_program_does_not_have_is_found():
    called = invocation("LEARN_QUORUM=2 uv run python app.py --learn --teleport &")
    assert called == Invocation({"LEARN_QUORUM": "2"}, "app.py", ["--learn", "--teleport"])
    assert "--learn" in help_of("app.py", called.args)
    assert "--teleport" not in help_of("app.py", called.args)


# Helpers.


def setting_names() -> list[str]:
    """The environment variables settings.py reads."""
    source = (ROOT / "settings.py").read_text()
    return sorted(set(re.findall(r'environ(?:\.get\(|, )\s*"([A-Z][A-Z0-9_]*)"', source)))


def example_file(name: str) -> str:
    """The docs' example file that starts with the comment `# name`."""
    for path in DOCS:
        found = re.search(rf"```yaml\n(# {re.escape(name)}\n.*?)```", path.read_text(), re.S)
        if found:
            return found[1]
    raise AssertionError(f"no ```yaml block starting with '# {name}' in the docs")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub makes of a markdown text's headings."""
    seen, found, block = {}, set(), False
    for line in markdown.splitlines():
        if FENCE.match(line):
            block = not block
        elif not block and (heading := re.match(r"#{1,6} (.*)", line)):
            slug = re.sub(r"[^\w\- ]", "", heading[1].lower().replace("`", "")).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found
