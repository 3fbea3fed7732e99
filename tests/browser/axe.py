"""Accessibility checks with axe-core (vendored: npm axe-core 4.14.1, vendor/axe.min.js,
MPL-2.0, see vendor/axe.LICENSE).

Call `enable(tab)` before the tab's first navigation, then `assert_accessible(tab, "what")` on
each screen worth checking. axe is added as an init script because the pages' Content-Security
Policy (script-src 'self') would block it as an inline script.
"""

import json
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# Every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA; color-contrast (1.4.3, 4.5:1 for text)
# is among them. None is disabled.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def enable(tab) -> None:
    """Load axe into every page this tab opens from now on."""
    tab.add_init_script(path=str(AXE))


def violations(tab, selector: str | None = None) -> list[dict]:
    """axe's violations of the WCAG A/AA rules on the page (or inside one element)."""
    assert tab.evaluate("typeof window.axe === 'object'"), "call axe.enable(tab) before goto"
    # A request still in flight dims its button (.htmx-request): judge the page once it settled.
    tab.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    result = tab.evaluate(
        """([context, tags]) => axe.run(context || document, {
              runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        [selector, TAGS],
    )
    return result["violations"]


def describe(found: list[dict]) -> str:
    """Each violation with the elements it hit and axe's reason, short enough to read."""
    lines = []
    for rule in found:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"][:8]:
            lines.append(f"  {json.dumps(node['target'], ensure_ascii=False)}")
            lines.append(f"    {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(tab, what: str, selector: str | None = None) -> None:
    found = violations(tab, selector)
    assert not found, f"axe on {what}:\n{describe(found)}"
