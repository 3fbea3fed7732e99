"""Draw the tab bar icons (81x81 PNG, a plain glyph in grey and in WeChat green).

Run from miniprogram/ with Pillow installed: python tests/tools/draw_tab_icons.py images/tab
"""

import sys

from PIL import Image, ImageDraw

out = sys.argv[1]
S = 4  # draw large, scale down for smooth edges


def canvas():
    img = Image.new("RGBA", (81 * S, 81 * S), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img)


def s(*v):
    return [x * S for x in v]


def home(d, c):
    d.polygon(s(40.5, 10, 70, 36, 11, 36), fill=c)  # roof
    d.rectangle(s(18, 34, 63, 70), fill=c)  # walls
    d.rectangle(s(34, 48, 47, 70), fill=(0, 0, 0, 0))  # door


def orders(d, c):
    d.rounded_rectangle(s(16, 8, 65, 73), radius=6 * S, outline=c, width=6 * S)
    for y in (26, 40, 54):
        d.rectangle(s(26, y, 55, y + 5), fill=c)


def me(d, c):
    d.ellipse(s(26, 8, 55, 37), fill=c)  # head
    d.pieslice(s(12, 42, 69, 100), 180, 360, fill=c)  # shoulders


for name, draw in (("home", home), ("orders", orders), ("me", me)):
    for suffix, color in (("", (153, 153, 153, 255)), ("-active", (7, 193, 96, 255))):
        img, d = canvas()
        draw(d, color)
        img.resize((81, 81), Image.LANCZOS).save(f"{out}/{name}{suffix}.png", optimize=True)
