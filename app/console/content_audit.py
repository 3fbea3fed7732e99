"""The banners' and announcements' entries of the audit log in words."""

CONTENT_ACTION_NAMES = {
    "banner.create": "新建横幅",
    "banner.update": "修改横幅",
    "banner.publish": "发布横幅",
    "banner.withdraw": "撤下横幅",
    "banner.move": "调整横幅顺序",
    "announcement.create": "新建公告",
    "announcement.update": "修改公告",
    "announcement.publish": "发布公告",
    "announcement.withdraw": "撤下公告",
}
CONTENT_LABELS = {
    "title": "标题",
    "body": "内容",
    "scope": "展示范围",
    "target": "点击后打开",
    "image": "图片",
    "live_from": "上线时间",
    "live_until": "下线时间",
    "pinned": "置顶",
    "position": "位置",
}
ENTITIES = {"banner": "横幅", "announcement": "公告"}


def add_words(actions: dict, labels: dict, words: dict, entities: dict) -> None:
    """Add these words to audit_text's tables (others' entries win on a shared key); the
    statuses are recorded in words already."""
    actions |= {k: v for k, v in CONTENT_ACTION_NAMES.items() if k not in actions}
    labels |= {k: v for k, v in CONTENT_LABELS.items() if k not in labels}
    entities |= {k: v for k, v in ENTITIES.items() if k not in entities}


def target(kind: str, data: dict) -> str:
    return f"{ENTITIES[kind]}「{data['title']}」" if data.get("title") else ENTITIES[kind]
