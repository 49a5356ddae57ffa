"""
The documentation's examples run, so they cannot rot. In README.md and docs/*.md:

- every ```python block is executed against the built database (so those tests are `needs_build`);
- every `observatory` command of a ```bash block names real subcommands and options, with valid
  choices and enough arguments (nothing is built or served);
- every `curl` of a ```bash block gets a 200 from the API over the built database.

Blocks that are not meant to run use another fence (```text, ```console). Every `OBSERVATORY_*`
variable the code reads is documented, every documented one is read, every API route is in
docs/api.md, and every relative link points at a page and heading that exist.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest

from observatory.database import Database

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Where the code that may read an OBSERVATORY_* variable lives.
CODE_FOLDERS = ("observatory", "etl", "dashboards", "reports", "benchmarks", "tests", ".ci")
API_ORIGIN = "http://127.0.0.1:8050"

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
OPERATORS = {"&&", "||", ";", "|", "&"}


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(lang: str | None = None) -> list[Block]:
    """The fenced blocks of the documentation, with the page and line where each starts."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if lang is None or match["lang"] == lang:
                line = text.count("\n", 0, match.start()) + 1
                code = textwrap.dedent(match["body"])
                found.append(Block(str(page.relative_to(ROOT)), line, match["lang"], code))
    return found


def commands(block: Block) -> list[list[str]]:
    """The simple commands of a shell block, as argument lists: no comments, no `VAR=value` prefix."""
    out = []
    for line in block.code.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in [*lexer, ";"]:
            if token in OPERATORS:
                while command and re.match(r"^[A-Z_][A-Z0-9_]*=", command[0]):
                    command.pop(0)
                if command:
                    out.append(command)
                command = []
            else:
                command.append(token)
    return out


def shell_commands(program: str) -> list[tuple[Block, list[str]]]:
    """Each call of `program` in the shell blocks, with its block and its arguments."""
    return [(b, c[1:]) for b in blocks("bash") for c in commands(b) if Path(c[0]).name == program]


def blocks_calling(program: str) -> list[Block]:
    return list(dict.fromkeys(block for block, _ in shell_commands(program)))


def cli_problems(args: list[str]) -> list[str]:
    """What is wrong with `observatory ARGS` for the real command line, without running it."""
    from observatory.cli import main

    command: click.Command = main
    path = ["observatory"]
    args = list(args)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        name = args.pop(0)
        if name not in command.commands:
            return [f"`{' '.join(path)}` has no subcommand {name!r}; it has {sorted(command.commands)}"]
        command, path = command.commands[name], [*path, name]
    where = " ".join(path)
    if isinstance(command, click.Group) and not set(args) & {"-h", "--help", "--version"}:
        return [f"`{where}` needs a subcommand: {sorted(command.commands)}"]
    declared = [p for p in command.params if isinstance(p, click.Option)]
    options = {name: p for p in declared for name in (*p.opts, *p.secondary_opts)}
    problems, positional = [], 0
    while args:
        token = args.pop(0)
        if not token.startswith("-") or token == "-":
            positional += 1
            continue
        name, has_value, value = token.partition("=")
        option = options.get(name)
        if name in ("-h", "--help"):
            continue
        if option is None:
            problems.append(f"`{where}` has no option {name}; it has {sorted(options)}")
            continue
        if option.is_flag or option.count:
            continue
        if not has_value:
            if not args:
                problems.append(f"`{where} {name}` needs a value")
                continue
            value = args.pop(0)
        if isinstance(option.type, click.Choice) and value not in option.type.choices:
            problems.append(f"`{where} {name} {value}`: not one of {list(option.type.choices)}")
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    needed = sum(max(p.nargs, 1) for p in arguments if p.required)
    if positional < needed:
        problems.append(f"`{where}` needs {needed} argument(s), the example gives {positional}")
    at_most = sum(p.nargs for p in arguments)
    if all(p.nargs >= 0 for p in arguments) and positional > at_most:
        problems.append(f"`{where}` takes {at_most} argument(s), the example gives {positional}")
    return problems


def test_the_documentation_has_examples_of_each_kind():
    """The fence pattern finds the examples; a change that hid them all would make every check vacuous."""
    assert len(blocks("python")) >= 8
    assert len(shell_commands("observatory")) >= 15
    assert len(shell_commands("curl")) >= 3


@pytest.mark.parametrize("block", blocks_calling("observatory"), ids=str)
def test_command_line_examples_name_real_subcommands_and_options(block):
    problems = [p for b, args in shell_commands("observatory") if b == block for p in cli_problems(args)]
    assert not problems, "\n".join(problems)


def test_the_command_check_catches_a_wrong_example():
    """The checker itself: each kind of mistake is found."""
    assert cli_problems(["report", "--region", "01"]) == []
    assert cli_problems(["reports", "--region", "01"])
    assert cli_problems(["report", "--regoin", "01"])
    assert cli_problems(["report", "--region", "01", "--format", "odt"])
    assert cli_problems(["load", "ookla"])
    assert cli_problems(["load"])
    assert cli_problems(["info", "extra"])


def test_the_readme_test_command_is_the_one_ci_runs():
    """The README's second set-up command is a command .ci/run runs (CI may ask pip to be quiet)."""
    readme = [b for b in blocks("bash") if b.page == "README.md"]
    run, test = readme[0].code.strip(), readme[1].code.strip()
    assert run == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/observatory serve"

    def words(line: str) -> list[str]:
        return [w for w in shlex.split(line, comments=True) if w not in ("-q", "--quiet")]

    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    assert words(test) in [words(line) for line in ci_lines], f"{test!r} is not a command of .ci/run"


@pytest.mark.parametrize("block", blocks("python"), ids=str)
def test_python_example_runs(block, built_db: Database, monkeypatch, tmp_path):
    monkeypatch.setenv("OBSERVATORY_DB", str(built_db.path.resolve()))
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    exec(compile(block.code, str(block), "exec"), {"__name__": "__example__"})  # noqa: S102 - the example is the test


def _curl(args: list[str]) -> tuple[str, str, str | None, dict[str, str]]:
    """Method, URL, body and headers of a curl command line."""
    method, url, body, headers = "GET", None, None, {}
    rest = list(args)
    while rest:
        token = rest.pop(0)
        if token in ("-X", "--request"):
            method = rest.pop(0)
        elif token in ("-d", "--data", "--data-raw"):
            body = rest.pop(0)
            method = "POST" if method == "GET" else method
        elif token in ("-H", "--header"):
            name, _, value = rest.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif token in ("-o", "--output"):
            rest.pop(0)
        elif token.startswith("http"):
            url = token
    assert url is not None, f"no URL in curl {shlex.join(args)}"
    return method, url, body, headers


@pytest.mark.parametrize("block", blocks_calling("curl"), ids=str)
def test_curl_example_answers(block, built_db: Database):
    from observatory.api import create_api_app

    client = create_api_app(built_db).test_client()
    for _, args in [call for call in shell_commands("curl") if call[0] == block]:
        method, url, body, headers = _curl(args)
        assert url.startswith(f"{API_ORIGIN}/api/v1/"), url
        parts = urlsplit(url)
        response = client.open(
            parts.path, method=method, query_string=parts.query, data=body, headers=headers
        )
        answer = f"{response.status_code}: {response.text[:300]}"
        assert response.status_code == 200, f"{block}: {method} {url} → {answer}"


def _documentation() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def _variables_in_code() -> set[str]:
    names: set[str] = set()
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", "") and path != Path(__file__).resolve():
                text = path.read_text(encoding="utf-8", errors="replace")
                names |= set(re.findall(r"\bOBSERVATORY_[A-Z][A-Z0-9_]*", text))
                settings_keys = re.findall(r"\b_env\(\s*['\"]([A-Z][A-Z0-9_]*)['\"]", text)
                names |= {f"OBSERVATORY_{key}" for key in settings_keys}
    return names


def test_every_environment_variable_the_code_reads_is_documented():
    read = _variables_in_code()
    assert {"OBSERVATORY_DB", "OBSERVATORY_SEED", "OBSERVATORY_TEST_DB"} <= read
    documented = set(re.findall(r"\bOBSERVATORY_[A-Z][A-Z0-9_]*", _documentation()))
    assert not read - documented, f"read by the code but not documented: {sorted(read - documented)}"
    assert not documented - read, f"documented but read by no code: {sorted(documented - read)}"


def test_every_api_route_is_documented():
    from observatory.api.app import DOCUMENTED_ROUTES as ROUTES

    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = []
    for route in ROUTES:
        path = r"\{[^}]+\}".join(re.escape(part) for part in re.split(r"<[^>]+>", route.path))
        if not re.search(re.escape(f"{route.method} /api/v1") + path + r"(?![\w/{])", api):
            missing.append(f"{route.method} /api/v1{route.path}")
    assert not missing, f"routes docs/api.md does not list: {missing}"


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    headings = re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for match in LINK.finditer(FENCE.sub("", page.read_text(encoding="utf-8"))):
            target = match["target"]
            if re.match(r"^[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)
