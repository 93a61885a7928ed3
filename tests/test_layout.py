"""The layout reads one way: no import cycle anywhere in the package; the public API is pinned."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "itnivoice_nb"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every package module this file imports, at any depth of the file (lazy ones too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("itnivoice_nb"):
                continue
            for alias in node.names:  # `from . import journal` imports a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("itnivoice_nb"))
    return {m for m in found if _exists(m) and m != name}


def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    base = PACKAGE.parent / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        out[module_name(path)] = imports(path)
    # importing a submodule runs its package's __init__ first; that edge is not a cycle
    # the code wrote, so packages' __init__ importing their own submodules is left out
    return {
        m: {t for t in targets if not (m.startswith(t + ".") or t.startswith(m + "."))}
        for m, targets in out.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_anywhere() -> None:
    edges = graph()
    assert len(edges) > 20
    cycle = find_cycle(edges)
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


PUBLIC_API = [
    "ApiError", "AuthenticationError", "BadResponseError", "ConfigurationError", "ConnectError",
    "CostLimitError", "DataExistsError", "DataValidationError", "DeadlineExceededError",
    "Decision", "FeeError", "GroupAnswer", "GroupItem", "InsufficientBalanceError",
    "ItniotechError", "JournalError", "OUTCOMES", "OUTCOME_COLORS", "OUTCOME_MEANINGS",
    "ParameterError", "PortProgramError", "RecordPeriodError", "RedirectError",
    "ResponseLostError", "ResponseTooLargeError", "RestrictedIPError", "RetryPolicy", "Sandbox",
    "SendForm", "SendInterrupted", "SendPlan", "SendStopped", "TimestampExpiredError",
    "TransportError", "UserLockedError", "VoiceClient", "VoiceMessage", "__version__",
    "call_outcomes", "classify", "follow_up", "has_call_records", "mask_number",
    "normalize_base_url", "normalize_number", "plan", "plot_by_country", "plot_call_results",
    "plot_cost", "plot_durations", "plot_failure_reasons", "plot_funnel", "plot_outcomes",
    "plot_responses", "plot_timeline", "prepare", "read_results", "report",
    "sample_recipients", "save_report", "send", "send_form", "sign", "signed_headers",
    "style_summary", "styled", "summary", "to_excel",
]


def test_exported_members() -> None:
    """The public API is exactly this list; every name resolves and lives in the package."""
    import itnivoice_nb as iv

    assert sorted(iv.__all__) == sorted(PUBLIC_API)
    for name in iv.__all__:
        value = getattr(iv, name)
        if name != "__version__" and hasattr(value, "__module__"):
            assert value.__module__.startswith("itnivoice_nb"), name


def test_dir_lists_only_the_public_api() -> None:
    import itnivoice_nb as iv

    assert dir(iv) == sorted(iv.__all__)


def test_import_loads_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, itnivoice_nb\n"
        "heavy = [m for m in ('matplotlib.pyplot', 'matplotlib', 'ipywidgets', 'http.server',"
        " 'requests', 'phonenumbers', 'pandas') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_help_shows_the_journal_default_in_words() -> None:
    import inspect

    import itnivoice_nb as iv

    for function in (iv.send, iv.plan):
        default = inspect.signature(function).parameters["journal"].default
        assert repr(default) == (
            "the user's journal ($ITNIOTECH_JOURNAL or the user data directory)"
        )
