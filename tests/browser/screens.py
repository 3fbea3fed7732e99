"""Checks every console screen passes: axe-core's WCAG A/AA rules (contrast included) at desktop
width and at 390 px, and at 390 px the page does not scroll sideways and no word is broken."""

from tests.browser import axe
from tests.browser.conftest import shot

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# Each whitespace-free run of text up to `limit` characters (a name, a label, a date, a price,
# 昆明北京路加油站) that the browser laid out over more than one line. Longer runs are sentences,
# which may wrap; text in a box narrower than 2 px is visually hidden on purpose.
BROKEN_WORDS = """(limit) => {
  const hidden = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const box = e.getBoundingClientRect();
      if (box.width < 2 || box.height < 2) return true;
    }
    return false;
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el.checkVisibility({visibilityProperty: true}) || el.closest("select, script")) continue;
    if (hidden(el)) continue;
    for (const match of node.data.matchAll(/\\S+/g)) {
      if ([...match[0]].length > limit) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


def check(tab, name: str) -> None:
    """axe at 1280 and 390 px wide; at 390, nothing sideways, no broken word; screenshots of
    both go to test-artifacts/a11y-<name>[-390].png."""
    tab.set_viewport_size(DESKTOP)
    axe.assert_accessible(tab, name)
    shot(tab, f"a11y-{name}")
    tab.set_viewport_size(PHONE)
    try:
        axe.assert_accessible(tab, f"{name} at 390 px")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} scrolls sideways at 390 px ({width} px)"
        broken = tab.evaluate(BROKEN_WORDS, 12)
        assert not broken, f"{name} at 390 px breaks words: {broken}"
        shot(tab, f"a11y-{name}-390")
    finally:
        tab.set_viewport_size(DESKTOP)
