"""The site speaks ITU's six official languages: its catalogues are complete, current and faithful.

- Every catalogue (Arabic, Chinese, French, Russian, Spanish; English is the source) translates
  every message, has nothing fuzzy or obsolete, and keeps each message's placeholders and HTML tags.
- The catalogues hold exactly what `make messages` extracts from the code today: a string added or
  changed without updating them fails here.
- No user-facing text in a template or a Python module escapes translation.
"""

import ast
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LANGUAGE_DIRS = ["ar", "es", "fr", "ru", "zh_Hans"]
APPS = ["smepilot", "registration", "focalpoints", "meetings"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}|<[^>]+>|&[a-z]+;")


def catalogue(language_dir: str, base: Path = BASE_DIR):
    with (base / "locale" / language_dir / "LC_MESSAGES" / "django.po").open("rb") as file:
        return read_po(file, locale=language_dir)


def messages_of(catalog):
    return [message for message in catalog if message.id]


def _texts(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


@pytest.mark.parametrize("language_dir", LANGUAGE_DIRS)
def test_every_message_is_translated_and_nothing_is_fuzzy_or_obsolete(language_dir):
    catalog = catalogue(language_dir)
    assert not catalog.fuzzy, f"{language_dir}: the catalogue's header is marked fuzzy"
    untranslated = [message.id for message in messages_of(catalog) if not all(_texts(message.string))]
    fuzzy = [message.id for message in messages_of(catalog) if message.fuzzy]
    assert not untranslated, f"{language_dir}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{language_dir}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert not catalog.obsolete, f"{language_dir}: obsolete entries {list(catalog.obsolete)[:5]}"


@pytest.mark.parametrize("language_dir", LANGUAGE_DIRS)
def test_translations_keep_the_sources_placeholders_and_tags(language_dir):
    catalog = catalogue(language_dir)
    wrong = []
    for message in messages_of(catalog):
        sources = _texts(message.id)
        expected = Counter(PLACEHOLDER.findall(sources[-1]))
        for translation in filter(None, _texts(message.string)):  # missing ones fail the test above
            found = Counter(PLACEHOLDER.findall(translation))
            # A plural form may leave out the count ("un an" for "%(count)s year"), never add one.
            if found != expected and not (len(sources) > 1 and found <= expected):
                wrong.append((sources[0], translation))
    assert not wrong, f"{language_dir}: placeholders differ from the source: {wrong[:5]}"


def test_the_catalogues_hold_what_the_code_says_today(tmp_path):
    """`make messages` in a copy of the project extracts exactly the messages the catalogues have."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed to extract the catalogues: apt-get install gettext")
    copy = tmp_path / "project"
    copy.mkdir()
    for name in [*APPS, "templates", "locale", "manage.py", "Makefile", "requirements.txt", "requirements-dev.txt"]:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(BASE_DIR / ".venv")
    (copy / ".venv" / ".installed").exists() or pytest.fail("run `make install` first")
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "messages"],  # noqa: S607 - the project's own Makefile
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for language_dir in LANGUAGE_DIRS:
        extracted = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in messages_of(catalogue(language_dir, copy))
        }
        kept = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in messages_of(catalogue(language_dir))
        }
        missing, stale = sorted(extracted - kept), sorted(kept - extracted)
        assert not missing, f"{language_dir}: strings not in the catalogue (run `make messages`): {missing[:8]}"
        assert not stale, f"{language_dir}: strings the code no longer has (run `make messages`): {stale[:8]}"


# --- Text that escapes translation ----------------------------------------------------------------

# Template text that is not language: the organisation's code name, numbers, punctuation.
NOT_LANGUAGE = re.compile(r"^(ITU-D|ITU|[\W\d_]+|[A-Z]{2,5}\d?)$")
TEMPLATE_SKIP = re.compile(
    r"{%\s*(blocktranslate|blocktrans)\b.*?{%\s*end(blocktranslate|blocktrans)\s*%}"
    r"|{%\s*block\s+bodyclass\s*%}.*?{%\s*endblock\b.*?%}"  # CSS class names
    r"|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}"
    r"|<style\b.*?</style>|<script\b.*?</script>|&[a-z]+;|&#\d+;",
    re.S,
)
TEXT_ATTRIBUTE = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"]*)"')


def _unmarked_in_template(source: str) -> list[str]:
    found = []
    for _name, value in TEXT_ATTRIBUTE.findall(source):
        text = TEMPLATE_SKIP.sub(" ", value).strip()
        if re.search(r"[A-Za-z]{2}", text) and not NOT_LANGUAGE.match(text):
            found.append(f'attribute "{value}"')
    text_only = TEMPLATE_SKIP.sub(" ", source)
    text_only = re.sub(r"<[^>]*>", " ", text_only)
    for chunk in re.split(r"\s{2,}|\n", text_only):
        for word_run in re.findall(r"[A-Za-z][A-Za-z'’.,:;!?() -]*[A-Za-z.!?:)]", chunk):
            word_run = word_run.strip()
            if re.search(r"[A-Za-z]{2}", word_run) and not NOT_LANGUAGE.match(word_run):
                found.append(word_run)
    return found


def test_no_template_shows_text_that_is_not_marked_for_translation():
    unmarked = {}
    for path in sorted((BASE_DIR / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"} or not path.is_file():
            continue
        found = _unmarked_in_template(path.read_text())
        if found:
            unmarked[str(path.relative_to(BASE_DIR))] = found
    assert not unmarked, f"Text not marked for translation: {unmarked}"


# Calls whose text reaches people: the first argument, or these keyword arguments.
USER_FACING_CALLS = {"ValidationError", "PermissionDenied", "Http404", "success", "info", "warning", "error"}
USER_FACING_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "description",
    "empty_label",
    "violation_error_message",
    "message",
}


def _plain_text(node) -> bool:
    """A string literal or f-string with words in it (not wrapped in a translation call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{3}", node.value))
    if isinstance(node, ast.JoinedStr):
        literal = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        return bool(re.search(r"[A-Za-z]{3}", literal))
    return False


def _unmarked_in_module(tree) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        arguments = []
        if name in {"success", "info", "warning", "error"} and len(node.args) >= 2:
            arguments.append(node.args[1])  # messages.success(request, text)
        elif name in USER_FACING_CALLS and node.args:
            arguments.append(node.args[0])
        arguments += [keyword.value for keyword in node.keywords if keyword.arg in USER_FACING_KEYWORDS]
        for argument in arguments:
            if _plain_text(argument):
                found.append(f"line {node.lineno}: {ast.unparse(argument)[:80]}")
    return found


def test_no_python_module_gives_people_text_that_is_not_marked_for_translation():
    unmarked = {}
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue  # migrations keep history; commands speak to the operator
            found = _unmarked_in_module(ast.parse(path.read_text()))
            if found:
                unmarked[str(path.relative_to(BASE_DIR))] = found
    assert not unmarked, f"Text not marked for translation: {unmarked}"


def test_the_checks_above_find_what_they_look_for():
    """The scanners are not blind: each finds a planted unmarked string and passes a marked one."""
    assert _unmarked_in_template("<p>Register now</p>") == ["Register now"]
    assert _unmarked_in_template('<nav aria-label="Main">') == ['attribute "Main"']
    assert _unmarked_in_template('{% translate "Register now" %}<strong>ITU-D</strong> {{ name }}') == []
    module = ast.parse('raise ValidationError("Too late")\nmessages.success(request, _("Saved"))\nlabel=1')
    assert _unmarked_in_module(module) == ["line 1: 'Too late'"]
    assert _unmarked_in_module(ast.parse('forms.CharField(label="Name")')) == ["line 1: 'Name'"]
