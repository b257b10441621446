"""What every page must pass as its users meet it: phone widths, axe-core, the keyboard."""

from axe_playwright_python.sync_playwright import Axe

# Impacts that fail a page (axe-core's four levels: minor, moderate, serious, critical).
BLOCKING_IMPACTS = {"serious", "critical"}
_AXE = Axe()

# Controls a person must reach: the page's links, buttons and form fields.
CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary"


def sideways_overflow(page) -> int:
    """How many CSS pixels the document is wider than the window (0 when it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def controls_off_screen(page) -> list[str]:
    """Controls that lie (partly) outside the window's width, described by their tag and text.

    Controls hidden on purpose (display none, the 1-pixel visually-hidden text, the skip link
    before it takes focus) are not counted.
    """
    return page.evaluate(
        """(selector) => {
            const width = window.innerWidth;
            const off = [];
            for (const element of document.querySelectorAll(selector)) {
                const box = element.getBoundingClientRect();
                if (box.width < 2 || box.height < 2) continue;
                if (element.closest('.skip-link')) continue;
                if (box.left < -1 || box.right > width + 1) {
                    const text = (element.innerText || element.value || element.name || '').trim().slice(0, 60);
                    const span = `${Math.round(box.left)}..${Math.round(box.right)}`;
                    off.push(`${element.tagName.toLowerCase()} "${text}" at ${span}`);
                }
            }
            return off;
        }""",
        CONTROLS,
    )


def assert_fits_phone(page, where: str):
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"{where}: the page is {overflow} px wider than the phone's screen"
    off = controls_off_screen(page)
    assert not off, f"{where}: controls off the screen: {off}"


def axe_blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations, one line per rule with its first offending nodes."""
    results = _AXE.run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines


def assert_accessible(page, where: str):
    violations = axe_blocking_violations(page)
    assert not violations, f"{where}: axe-core finds\n  " + "\n  ".join(violations)


FOCUS_STATE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const ringed = style.boxShadow && style.boxShadow !== 'none';
    const label = element.labels && element.labels.length ? element.labels[0].innerText : '';
    return {
        visible: outlined || ringed,
        text: (element.innerText || label || element.getAttribute('aria-label') || element.value || '').trim(),
        id: element.id,
        name: element.getAttribute('name') || '',
        tag: element.tagName.toLowerCase(),
        type: element.getAttribute('type') || '',
    };
}"""


def tab_to(page, matches, *, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab until the focused element satisfies ``matches(state)``; every stop must show its focus.

    ``state`` has the focused element's tag, type, id, name and text (its own or its label's).
    """
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            continue
        where = f"{state['tag']}#{state['id']} {state['text'][:40]!r}"
        assert state["visible"], f"The keyboard focus is not visible on {where} ({page.url})"
        if matches(state):
            return state
        seen.append(where)
    raise AssertionError(f"Not reached with the keyboard after {limit} presses of Tab on {page.url}: {seen[-10:]}")


def focused_text_is(text: str):
    return lambda state: state["text"].strip().lower().startswith(text.lower())
