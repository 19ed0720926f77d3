"""What a refused request is (`Refusal`) and the small helpers the cases in refusal_cases.py share."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import race_scenarios_after as after

from marketplace.extensions import db
from marketplace.models import Attachment, User

NOT_FOUND = "您访问的页面不存在或已被删除。"
# The login throttle counts a refused login too, by design: its table is not "nothing written".
UNTRACKED_TABLES = {"login_attempt"}


@dataclass
class Refusal:
    """One refused request: `actor` posts `data` to `url` and the service says no."""

    url: str
    actor: str | None  # None: nobody logged in
    data: dict | callable = field(default_factory=dict)  # a callable: fresh file objects for each post
    first: bool = False  # the same request is made once before, successfully: then the state refuses it
    message: str | None = None  # the page says this rather than the service's own message (see inbox.read)
    status: int | None = None  # the status when it is pinned
    forced: tuple | None = None  # (module, function, error): the service refuses as in a race (see above)

    def payload(self) -> dict:
        return self.data() if callable(self.data) else dict(self.data)


def repeated(scenario):
    """A race scenario run twice in a row, by its first actor: the second time the state refuses it."""

    def build(poster, uni, experts):
        race = scenario(poster, uni, experts)
        actor = race.actors[0]
        return Refusal(race.urls[actor] if race.urls else race.url, actor, race.data, first=True)

    build.__name__ = scenario.__name__
    return build


def pdf():
    return {"attachment": (io.BytesIO(after.PDF), "说明.pdf")}


def stored_file(owner_type: str, owner_id: int, uploader: User | None = None) -> Attachment:
    """An attachment row (its file is not needed: the refusal comes first)."""
    attachment = Attachment(owner_type=owner_type, owner_id=owner_id, original_name="说明.pdf",
                            stored_name=f"{owner_type}-{owner_id}.pdf", content_type="application/pdf", size=100,
                            sha256="0" * 64, uploaded_by_id=uploader.id if uploader else None)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def user(email: str) -> User:
    return db.session.scalar(db.select(User).filter_by(email=email))
